/*
 * Nothing lost on the story form: its fields are kept on the server (stories/admin/story_autosave.py) every ten
 * seconds and when a field loses focus, while they differ from what was last kept; the page offers them back when
 * opened again ("Restore your unsaved changes from …" / "Discard"); and leaving the page with changes not saved
 * asks first. Saving or submitting the form, or a move of the workflow panel, leaves without asking.
 */
(function () {
  "use strict";

  var INTERVAL = 10000;
  // Fields that are the page's, not what the person typed.
  var NOT_KEPT = /^(csrfmiddlewaretoken|base_version)$|-(INITIAL_FORMS|MIN_NUM_FORMS|MAX_NUM_FORMS|id|story)$/;

  var form = null;
  var dirty = false;
  var leaving = false;

  function highlights() { return window.NewsroomHighlights; }

  function snapshot() {
    if (highlights()) { highlights().renumber(); }
    var pairs = [];
    new FormData(form).forEach(function (value, name) {
      if (typeof value === "string" && !/^(csrfmiddlewaretoken|base_version)$/.test(name)) { pairs.push([name, value]); }
    });
    return JSON.stringify({ data: pairs });
  }

  // Focus going to a button that sends a form: the page is about to leave, and the save deletes the autosave.
  function sending(element) {
    return Boolean(element && element.form && /^(submit|image)$/.test(element.type));
  }

  function restore(pairs) {
    var values = {};
    pairs.forEach(function (pair) { (values[pair[0]] = values[pair[0]] || []).push(pair[1]); });
    var total = Object.keys(values).filter(function (name) { return /-TOTAL_FORMS$/.test(name); })[0];
    if (total && highlights()) { highlights().ensureRows(parseInt(values[total][0], 10) || 0); }
    Array.prototype.forEach.call(form.elements, function (field) {
      var name = field.name;
      if (!name || NOT_KEPT.test(name) || /-TOTAL_FORMS$/.test(name) || /^(file|submit|button)$/.test(field.type)) {
        return;
      }
      var kept = values[name];
      if (field.type === "checkbox" || field.type === "radio") {
        field.checked = Boolean(kept) && kept.indexOf(field.value) !== -1;
      } else if (field.tagName === "SELECT" && field.multiple) {
        Array.prototype.forEach.call(field.options, function (option) {
          option.selected = Boolean(kept) && kept.indexOf(option.value) !== -1;
        });
      } else if (kept) {
        field.value = kept[0];
      }
    });
    if (highlights()) { highlights().refresh(); }
  }

  function start() {
    var box = document.getElementById("story-autosave");
    form = document.getElementById("story_form");
    if (!box || !form) { return; }
    var url = box.getAttribute("data-url");
    var status = box.querySelector(".autosave-status");
    var banner = box.querySelector(".autosave-banner");
    var token = form.querySelector("input[name=csrfmiddlewaretoken]").value;
    var kept = document.getElementById("story-autosave-data");

    if (kept) {
      // "Restore" reopened the page with the autosave: the form takes it before the body's editor starts.
      restore(JSON.parse(kept.textContent));
      dirty = true;
      if (banner) { banner.hidden = true; }
      var from = box.querySelector(".autosave-restored-from").textContent;
      status.textContent = "Your unsaved changes from " + from + " are back in the form. Save to keep them.";
      if (window.history.replaceState) { window.history.replaceState(null, "", window.location.pathname); }
    } else if (banner) {
      banner.hidden = false;
    }

    var sent = kept ? "" : snapshot();
    var busy = false;
    // The version of the story this page was opened from: the server refuses to keep changes to an older one.
    var base = form.querySelector("input[name=base_version]");

    function keep() {
      if (!dirty || busy || leaving) { return; }
      var body = snapshot();
      if (body === sent) { return; }
      busy = true;
      var payload = JSON.parse(body);
      if (base && base.value) { payload.base_version = parseInt(base.value, 10); }
      fetch(url, {
        method: "POST",
        credentials: "same-origin",
        headers: { "Content-Type": "application/json", "X-CSRFToken": token },
        body: JSON.stringify(payload)
      }).then(function (response) {
        return response.json().then(function (answer) {
          if (!response.ok) { throw new Error(answer.error || response.status); }
          return answer;
        });
      }).then(function (answer) {
        sent = body;
        var time = answer.saved_at_display.split(", ").pop();
        status.textContent = "Unsaved changes kept at " + time + " (autosave). Save to keep them in the story.";
      }).catch(function (error) {
        status.textContent = "Your changes could not be kept just now (" + error.message + "); they are still in " +
          "the form. Save the story to keep them.";
      }).then(function () { busy = false; });
    }

    window.setInterval(keep, INTERVAL);
    form.addEventListener("focusout", function (event) {
      if (dirty && !sending(event.relatedTarget)) { keep(); }
    });
    form.addEventListener("input", function () { dirty = true; });
    form.addEventListener("change", function () { dirty = true; });

    var discard = box.querySelector(".autosave-discard");
    if (discard) {
      discard.addEventListener("click", function () {
        fetch(url, { method: "DELETE", credentials: "same-origin", headers: { "X-CSRFToken": token } })
          .then(function (response) {
            if (!response.ok) { throw new Error(response.status); }
            banner.hidden = true;
            status.textContent = "Your unsaved changes were discarded.";
            form.querySelector("input:not([type=hidden]), textarea, select").focus();
          })
          .catch(function () { status.textContent = "The unsaved changes could not be discarded: try again."; });
      });
    }

    // A form sent (the story saved or submitted, a move of the workflow panel) leaves without asking; one that
    // a question stopped (admin-workflow.js) does not.
    document.addEventListener("submit", function (event) {
      if (!event.defaultPrevented) { leaving = true; }
    });
    window.addEventListener("beforeunload", function (event) {
      if (!dirty || leaving) { return; }
      event.preventDefault();
      event.returnValue = "";  // older browsers show their question only when this is set
    });
  }

  // Loaded after the form (change_form.html): it is there already, and the widgets' scripts have not started.
  if (document.getElementById("story_form")) {
    start();
  } else {
    document.addEventListener("DOMContentLoaded", start);
  }
})();
