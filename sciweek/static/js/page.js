// Small behaviours every page shares (loaded by base.html; the pages work without them).
document.addEventListener("DOMContentLoaded", function () {
  // After a submission with errors, focus the error summary so a screen reader reads it once
  // and a keyboard user starts from its links to the fields.
  var summary = document.querySelector(".error-summary");
  if (summary) summary.focus();

  // A wide table that scrolls inside its box must be reachable by keyboard (arrow keys
  // scroll it once focused): only boxes that actually scroll become tab stops.
  function markScrollers() {
    document.querySelectorAll(".table-wrap").forEach(function (box) {
      if (box.scrollWidth > box.clientWidth + 1) {
        box.setAttribute("tabindex", "0");
      } else if (box.getAttribute("tabindex") === "0") {
        box.removeAttribute("tabindex");
      }
    });
  }
  markScrollers();
  window.addEventListener("resize", markScrollers);
  document.body.addEventListener("htmx:afterSwap", markScrollers);
});
