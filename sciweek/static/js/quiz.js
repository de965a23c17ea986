// The quiz pages' niceties (the pages work without them, WeChat's browser included):
// - the countdown: the server writes its deadline and its own clock on the page (data-deadline,
//   data-now: Unix seconds), so the time left shown is the server's, whatever the phone's clock
//   says. Without JavaScript the deadline's time is shown instead.
// - the region pickers of the registration form show the next level as soon as one is picked
//   (they press the form's "选择" button, which works without JavaScript too);
// - a form's button is not pressed twice while its page loads (the server would answer the
//   same anyway: starting and finishing are idempotent).
(function () {
  "use strict";

  function two(n) { return (n < 10 ? "0" : "") + n; }

  function countdown(box) {
    var deadline = parseInt(box.getAttribute("data-deadline"), 10) * 1000;
    var serverNow = parseInt(box.getAttribute("data-now"), 10) * 1000;
    var clock = box.querySelector(".quiz-clock");
    if (!clock || isNaN(deadline) || isNaN(serverNow)) return;
    var skew = serverNow - Date.now(); // server clock minus this phone's clock
    var leftLabel = box.getAttribute("data-left-label") || "";
    var upLabel = box.getAttribute("data-up-label") || "";
    var reloaded = false;
    var startedLate = deadline - serverNow <= 0;

    function tick() {
      var left = Math.max(0, Math.round((deadline - (Date.now() + skew)) / 1000));
      var text = Math.floor(left / 60) + ":" + two(left % 60);
      clock.textContent = leftLabel + " " + text;
      box.classList.toggle("low", left <= 10);
      if (left <= 0) {
        clock.textContent = upLabel;
        // The server moves on once the time (and its grace) is over: ask it once.
        if (!reloaded && !startedLate) {
          reloaded = true;
          var next = box.getAttribute("data-next");  // the attempt's page (a GET, never a POST again)
          if (next) window.setTimeout(function () { window.location.assign(next); }, 3000);
        }
        return;
      }
      window.setTimeout(tick, 500);
    }
    tick();
  }

  function regionPickers(form) {
    form.querySelectorAll("select").forEach(function (select) {
      var field = select.closest(".field");
      var next = field && field.nextElementSibling;
      var button = next && next.querySelector("button[data-refresh]");
      if (!button) return;
      // A pick with the finger or the mouse shows the next level at once. Arrow keys change a
      // closed drop-down step by step: those changes wait for the "选择" button (WCAG 3.2.2).
      var keyed = 0;
      select.addEventListener("keydown", function () { keyed = Date.now(); });
      select.addEventListener("change", function () {
        if (Date.now() - keyed > 1000) button.click();
      });
    });
  }

  function onceOnly(form) {
    form.addEventListener("submit", function (event) {
      var button = event.submitter;
      if (form.getAttribute("data-sent") === "1") {
        event.preventDefault();
        return;
      }
      form.setAttribute("data-sent", "1");
      // Disabled after the submission has taken the button's name and value; usable again
      // after a while, should the network have lost the request (a retry is safe).
      if (button) window.setTimeout(function () { button.disabled = true; }, 0);
      window.setTimeout(function () {
        form.removeAttribute("data-sent");
        if (button) button.disabled = false;
      }, 8000);
    });
  }

  document.addEventListener("DOMContentLoaded", function () {
    document.querySelectorAll("[data-deadline]").forEach(countdown);
    document.querySelectorAll("form").forEach(function (form) {
      if (form.querySelector("button[data-refresh]")) regionPickers(form);
      else if (form.method.toLowerCase() === "post" && !form.closest("header") && !form.closest("footer")) onceOnly(form);
    });
  });

  // Back/forward cache: a page shown again must accept its buttons again.
  window.addEventListener("pageshow", function (event) {
    if (!event.persisted) return;
    document.querySelectorAll("form[data-sent]").forEach(function (form) {
      form.removeAttribute("data-sent");
      form.querySelectorAll("button[disabled]").forEach(function (b) { b.disabled = false; });
    });
  });
})();
