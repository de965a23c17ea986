// The summary's text editor (Trix, vendored): pictures and files go through the images
// section (checked on the server), so the editor itself refuses attachments.
document.addEventListener("trix-file-accept", function (event) { event.preventDefault(); });
document.addEventListener("trix-initialize", function (event) {
  var toolbar = event.target.toolbarElement;
  if (!toolbar) return;
  var attach = toolbar.querySelector("[data-trix-button-group='file-tools']");
  if (attach) attach.remove();
});
