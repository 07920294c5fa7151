// Live coverage: while a story's coverage runs, ask for its updates every few seconds and show new ones
// without a reload. The page works without this: every update is in its HTML, and a reload shows new ones.
//
// The fragment (/stories/<slug>/updates/) is a cached page: asked with the ETag of the last copy, the site
// answers "304 Not Modified" with no body until an update is posted, edited or deleted. Polling stops when
// the coverage ends (the fragment says so) or the story is gone.
(function () {
  "use strict";

  var section = document.querySelector("[data-live-updates]");
  if (!section || !window.fetch || !window.DOMParser) {
    return;
  }
  var url = section.getAttribute("data-live-updates");
  var seconds = parseFloat(section.getAttribute("data-poll-seconds")) || 15;
  var announcer = section.querySelector(".live-announcer");
  var status = section.querySelector(".live-status");
  var etag = null;
  var timer = null;
  var asking = false;
  var stopped = false;

  function ids(list) {
    var found = {};
    list.querySelectorAll(".live-update[id]").forEach(function (item) {
      found[item.id] = true;
    });
    return found;
  }

  function announce(text) {
    if (!announcer) {
      return;
    }
    // Emptied first, so that the same words said twice are heard twice.
    announcer.textContent = "";
    window.setTimeout(function () {
      announcer.textContent = text;
    }, 50);
  }

  function show(html) {
    var fresh = new DOMParser().parseFromString(html, "text/html").querySelector(".live-updates");
    var current = section.querySelector(".live-updates");
    if (!fresh || !current) {
      return true;
    }
    var known = ids(current);
    var added = Object.keys(ids(fresh)).filter(function (id) {
      return !known[id];
    }).length;
    current.replaceWith(document.adoptNode(fresh));
    if (added) {
      announce(added === 1 ? "1 new update" : added + " new updates");
    }
    if (fresh.getAttribute("data-live-state") === "ended") {
      if (status) {
        status.textContent = "Live coverage has ended.";
      }
      section.classList.remove("is-running");
      return false;
    }
    return true;
  }

  function schedule() {
    timer = window.setTimeout(poll, seconds * 1000);
  }

  function poll() {
    timer = null;
    if (asking || stopped) {
      return;
    }
    asking = true;
    var headers = { Accept: "text/html" };
    if (etag) {
      headers["If-None-Match"] = etag;
    }
    // "no-store": the browser's own cache stays out of it, so the site sees our If-None-Match and answers 304.
    fetch(url, { headers: headers, cache: "no-store", credentials: "omit" })
      .then(function (response) {
        if (response.status === 304) {
          return true;
        }
        if (response.status === 404 || response.status === 410) {
          return false; // the story is gone: nothing more to ask for
        }
        if (!response.ok) {
          return true; // a hiccup: try again at the next turn
        }
        etag = response.headers.get("ETag");
        return response.text().then(show);
      })
      .catch(function () {
        return true; // offline for a moment
      })
      .then(function (goOn) {
        asking = false;
        stopped = !goOn;
        if (goOn && !document.hidden) {
          schedule();
        }
      });
  }

  // A hidden tab does not poll; it catches up as soon as it is seen again.
  document.addEventListener("visibilitychange", function () {
    if (document.hidden && timer) {
      window.clearTimeout(timer);
      timer = null;
    } else if (!document.hidden && !timer && !asking && !stopped) {
      poll();
    }
  });

  schedule();
})();
