// Chunked, resumable uploads for <div data-media-upload> (templates/media/_upload_widget.html).
// The file goes up in chunks the server sizes (each a short request well under the request
// limit); a failed chunk is retried three times with a growing pause, and an upload cut off
// resumes where the server says it stopped, also after the page is reloaded and the same file
// chosen again. On success the asset id goes into the hidden input the surrounding form
// submits. Messages about the file come from the server in the reader's language; this
// script's own few words come from data- attributes the template translates.
(function () {
  if (window.sciweekMediaUpload) return; // the widget may be included more than once
  window.sciweekMediaUpload = true;

  var TRIES = 3;

  // The stylesheet gives every button display: inline-block, which beats the hidden attribute.
  function show(element, visible) {
    element.hidden = !visible;
    element.style.display = visible ? "" : "none";
  }

  function pause(ms) {
    return new Promise(function (resolve) { setTimeout(resolve, ms); });
  }

  function csrfToken(box) {
    if (box.dataset.csrf) return box.dataset.csrf;
    var match = document.cookie.match(/(?:^|;\s*)csrftoken=([^;]+)/);
    return match ? decodeURIComponent(match[1]) : "";
  }

  // One request; resolves with {status, body} (body parsed from JSON when it is JSON) and
  // rejects only when the network failed.
  function send(box, method, url, body, type) {
    var headers = {"X-CSRFToken": csrfToken(box), "Accept": "application/json"};
    if (type) headers["Content-Type"] = type;
    return fetch(url, {method: method, headers: headers, body: body, credentials: "same-origin"})
      .then(function (response) {
        return response.text().then(function (text) {
          var parsed = null;
          try { parsed = text ? JSON.parse(text) : null; } catch (e) { parsed = null; }
          return {status: response.status, body: parsed};
        });
      });
  }

  // Retries what may succeed again (the network, a 5xx), with 1 s, 2 s… between tries.
  function sendWithRetry(box, ui, method, url, body, type) {
    var attempt = 0;
    function tryOnce() {
      attempt += 1;
      return send(box, method, url, body, type).then(function (result) {
        if (result.status >= 500 && result.status !== 507 && attempt < TRIES) return again();
        return result;
      }, function (error) {
        if (attempt < TRIES) return again();
        throw error;
      });
    }
    function again() {
      ui.say(box.dataset.textRetrying);
      return pause(1000 * Math.pow(2, attempt - 1)).then(tryOnce);
    }
    return tryOnce();
  }

  function messageOf(result) {
    var error = result && result.body && result.body.error;
    if (!error) return null;
    var details = error.details && error.details.messages;
    return details && details.length ? details.join(" ") : error.message;
  }

  function storageKey(box, file) {
    return "sciweek-media:" + box.dataset.purpose + ":" + file.name + ":" + file.size + ":" + file.lastModified;
  }

  function remember(key, value) {
    try {
      if (value) localStorage.setItem(key, JSON.stringify(value)); else localStorage.removeItem(key);
    } catch (e) { /* private mode: resuming within the page still works */ }
  }

  function recall(key) {
    try { return JSON.parse(localStorage.getItem(key) || "null"); } catch (e) { return null; }
  }

  function setup(box) {
    var input = box.querySelector("[data-media-file]");
    var bar = box.querySelector("[data-media-progress]");
    var status = box.querySelector("[data-media-status]");
    var resume = box.querySelector("[data-media-resume]");
    var target = box.querySelector('input[type="hidden"][name="' + box.dataset.target + '"]');
    if (!input || !target) return;
    show(resume, false);
    var announced = -1;
    var ui = {
      say: function (text, isError) {
        status.textContent = text || "";
        status.classList.toggle("error", !!isError);
      },
      progress: function (received, size) {
        var percent = size ? Math.floor(received * 100 / size) : 0;
        show(bar, true);
        bar.value = percent;
        // The live region speaks at every quarter, not at every chunk.
        var quarter = Math.floor(percent / 25);
        if (quarter !== announced) {
          announced = quarter;
          ui.say(box.dataset.textProgress + " " + percent + "%");
        }
      }
    };
    var current = null; // {file, key, session}

    function fail(text) {
      ui.say(text || box.dataset.textFailed, true);
      show(resume, !!(current && current.session));
      box.dataset.state = "failed";
    }

    function begin(file) {
      var key = storageKey(box, file);
      current = {file: file, key: key, session: null};
      target.value = "";
      show(resume, false);
      announced = -1;
      box.dataset.state = "uploading";
      var saved = recall(key);
      var ready = saved ? askStatus(saved) : Promise.resolve(null);
      return ready.then(function (session) {
        if (session) {
          ui.say(box.dataset.textResuming);
          return session;
        }
        ui.say(box.dataset.textUploading);
        return start(file);
      }).then(function (session) {
        if (!session) return;
        current.session = session;
        remember(key, {urls: session.urls, token: session.token});
        return upload();
      }).catch(function () { fail(); });
    }

    function askStatus(saved) {
      return send(box, "GET", saved.urls.status).then(function (result) {
        if (result.status === 200 && result.body && result.body.status === "open") return result.body;
        remember(current.key, null);
        return null;
      }, function () { return null; });
    }

    function start(file) {
      var body = JSON.stringify({purpose: box.dataset.purpose, filename: file.name, size: file.size});
      return sendWithRetry(box, ui, "POST", box.dataset.startUrl, body, "application/json").then(function (result) {
        if (result.status === 201) return result.body;
        fail(messageOf(result));
        return null;
      });
    }

    function upload() {
      var session = current.session;
      var file = current.file;
      function next(received) {
        ui.progress(received, file.size);
        if (received >= file.size) return finish();
        var end = Math.min(file.size, received + session.chunk_bytes);
        var url = session.urls.chunk + "?offset=" + received;
        return sendWithRetry(box, ui, "PUT", url, file.slice(received, end), "application/octet-stream")
          .then(function (result) {
            if (result.status === 200) return next(result.body.received);
            if (result.status === 409 && result.body.error.details) return next(result.body.error.details.received);
            if (result.status === 410 || result.status === 404) remember(current.key, null);
            fail(messageOf(result));
          });
      }
      return send(box, "GET", session.urls.status).then(function (result) {
        return next(result.status === 200 ? result.body.received : session.received);
      }, function () { return next(session.received); });
    }

    function finish() {
      ui.say(box.dataset.textChecking);
      return sendWithRetry(box, ui, "POST", current.session.urls.finish, null, null).then(function (result) {
        if (result.status === 200) {
          remember(current.key, null);
          target.value = result.body.asset;
          target.dispatchEvent(new Event("change", {bubbles: true}));
          box.dataset.state = "done";
          ui.say(result.body.message || box.dataset.textDone);
          return;
        }
        if (result.status === 409) return upload();
        if (result.status !== 507) remember(current.key, null);
        if (result.status === 422 || result.status === 410) current.session = null;
        fail(messageOf(result));
      });
    }

    input.addEventListener("change", function () {
      if (input.files && input.files[0]) begin(input.files[0]);
    });
    resume.addEventListener("click", function () {
      if (!current || !current.session) return;
      show(resume, false);
      box.dataset.state = "uploading";
      ui.say(box.dataset.textResuming);
      upload().catch(function () { fail(); });
    });
  }

  document.addEventListener("DOMContentLoaded", function () {
    document.querySelectorAll("[data-media-upload]").forEach(setup);
  });
})();
