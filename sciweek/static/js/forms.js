// Forms: after a submission with errors, move focus to the error summary so a screen reader
// reads it once and a keyboard user starts from the list of links to the fields.
document.addEventListener("DOMContentLoaded", function () {
  var summary = document.querySelector(".error-summary");
  if (summary) summary.focus();
});
