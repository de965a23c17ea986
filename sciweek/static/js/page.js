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

  // A sticky save bar must never cover the focused field. Chromium does not scroll a field
  // that is already partly in view (scroll-padding only helps when it is out of view), so a
  // tall field half under the bar is brought to the middle of the screen.
  var bar = document.querySelector(".sticky-actions");
  if (bar) {
    document.addEventListener("focusin", function (event) {
      var field = event.target;
      if (bar.contains(field) || getComputedStyle(bar).position !== "sticky") return;
      var covered = bar.getBoundingClientRect().top;
      if (field.getBoundingClientRect().bottom > covered) field.scrollIntoView({block: "center"});
    });
  }
  window.addEventListener("resize", markScrollers);
  document.body.addEventListener("htmx:afterSwap", markScrollers);
});
