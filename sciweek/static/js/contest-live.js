// The live results board of a contest final (templates/contests/public/live.html): polls the
// board's JSON feed every few seconds with If-None-Match, so an unchanged board costs a 304,
// and redraws the tables when a judge's mark changed it. No inline script (CSP); the page's
// labels come from data attributes, already translated by the server.
(function () {
  "use strict";

  var board = document.getElementById("live-board");
  if (!board || !window.fetch) { return; }
  var url = board.getAttribute("data-url");
  var every = Math.max(1000, parseInt(board.getAttribute("data-refresh"), 10) || 2500);
  var status = document.getElementById("live-updated");
  var label = function (name) { return board.getAttribute("data-label-" + name) || ""; };
  var chinese = (document.documentElement.lang || "").toLowerCase().indexOf("zh") === 0;
  var etag = null;
  var failures = 0;

  function text(tag, value, className) {
    var el = document.createElement(tag);
    if (className) { el.className = className; }
    el.textContent = value;
    return el;
  }

  // Data (titles, units) is Chinese: marked as such on a page in another language.
  function data(value) {
    var span = document.createElement("span");
    if (!chinese) { span.lang = "zh-CN"; }
    span.textContent = value;
    return span;
  }

  function cell(tag, className, children) {
    var el = document.createElement(tag);
    if (className) { el.className = className; }
    children.forEach(function (child) { el.appendChild(child); });
    return el;
  }

  function row(r) {
    var rank = [text("span", "—")];
    if (r.rank) {
      rank = [text("span", String(r.rank), "quiz-score")];
      if (r.tied) { rank.push(document.createTextNode(" " + label("tied"))); }
    }
    var score = r.complete ? text("span", r.score, "quiz-score") : text("span", r.progress, "muted");
    var tr = document.createElement("tr");
    tr.appendChild(cell("td", "n", rank));
    tr.appendChild(cell("td", "", [text("span", r.code, "small muted"), document.createTextNode(" "), data(r.title)]));
    tr.appendChild(cell("td", "", [data(r.organization)]));
    tr.appendChild(cell("td", "n", [score]));
    return tr;
  }

  function draw(feed) {
    var parts = document.createDocumentFragment();
    if (!feed.categories.length) {
      parts.appendChild(text("p", label("empty"), "muted card"));
    }
    feed.categories.forEach(function (category) {
      var section = document.createElement("section");
      section.className = "card";
      var id = "live-cat-" + category.id;
      section.setAttribute("aria-labelledby", id);
      var h2 = cell("h2", "", [data(category.name)]);
      h2.id = id;
      section.appendChild(h2);
      var table = document.createElement("table");
      table.className = "quiz-board contest-live";
      var head = document.createElement("tr");
      [["rank", "n"], ["entry", ""], ["unit", ""], ["score", "n"]].forEach(function (h) {
        var th = text("th", label(h[0]), h[1]);
        th.scope = "col";
        head.appendChild(th);
      });
      table.appendChild(cell("thead", "", [head]));
      table.appendChild(cell("tbody", "", category.rows.map(row)));
      section.appendChild(cell("div", "table-wrap", [table]));
      parts.appendChild(section);
    });
    board.replaceChildren(parts);
    board.setAttribute("data-version", String(feed.version));
    if (status) { status.textContent = label("updated").replace("__T__", feed.updated); }
  }

  function poll() {
    if (document.hidden) { return schedule(); }
    var headers = { "Accept": "application/json" };
    if (etag) { headers["If-None-Match"] = etag; }
    fetch(url, { headers: headers, cache: "no-store", credentials: "same-origin" }).then(function (response) {
      if (response.status === 304) { return null; }
      if (!response.ok) { throw new Error(String(response.status)); }
      etag = response.headers.get("ETag");
      return response.json();
    }).then(function (feed) {
      failures = 0;
      if (feed) { draw(feed); }
      schedule();
    }).catch(function () {
      failures += 1;
      if (status) { status.textContent = label("offline"); }
      schedule();
    });
  }

  // Back off while the server does not answer (at most 30 s between tries), then resume.
  function schedule() {
    window.setTimeout(poll, Math.min(30000, every * Math.pow(2, Math.min(failures, 4))));
  }

  schedule();
}());
