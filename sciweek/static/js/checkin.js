// Check-in at the door: read the ticket QR with the phone camera (jsQR, served by the
// platform) and submit it through the same form staff can type a short code into.
document.addEventListener("DOMContentLoaded", function () {
  var button = document.getElementById("start-camera");
  var video = document.getElementById("camera");
  var canvas = document.getElementById("frame");
  var form = document.getElementById("checkin-form");
  var input = document.getElementById("code");
  if (!button || !video || !form) return;
  var last = "", lastAt = 0;

  function submit(value) {
    var now = Date.now();
    if (value === last && now - lastAt < 3000) return; // the same ticket held in front of the camera
    last = value; lastAt = now;
    input.value = value;
    if (form.requestSubmit) form.requestSubmit(); else form.submit();
  }

  function scan() {
    if (video.readyState === video.HAVE_ENOUGH_DATA && typeof jsQR !== "undefined") {
      canvas.width = video.videoWidth; canvas.height = video.videoHeight;
      var context = canvas.getContext("2d");
      context.drawImage(video, 0, 0, canvas.width, canvas.height);
      var image = context.getImageData(0, 0, canvas.width, canvas.height);
      var code = jsQR(image.data, image.width, image.height, { inversionAttempts: "dontInvert" });
      if (code && code.data) submit(code.data);
    }
    requestAnimationFrame(scan);
  }

  // The page gives the message in the reader's language; the fallback is the Chinese original.
  var unavailable = button.dataset.unavailable || "摄像头不可用，请输入核验码";

  button.addEventListener("click", function () {
    if (!navigator.mediaDevices || !navigator.mediaDevices.getUserMedia) {
      button.textContent = unavailable;
      return;
    }
    navigator.mediaDevices.getUserMedia({ video: { facingMode: "environment" } }).then(function (stream) {
      video.srcObject = stream; video.hidden = false; button.hidden = true;
      video.play(); requestAnimationFrame(scan);
    }).catch(function () { button.textContent = unavailable; });
  });

  document.body.addEventListener("htmx:afterSwap", function () { input.value = ""; input.focus(); });
});
