/*
 * Workflow buttons on the story page: warn before a move that would leave
 * unsaved edits behind, and confirm moves that readers notice at once.
 */
(function () {
  "use strict";

  function start() {
    var storyForm = document.getElementById("story_form");
    var dirty = false;
    if (storyForm) {
      storyForm.addEventListener("input", function () { dirty = true; });
      storyForm.addEventListener("change", function () { dirty = true; });
      storyForm.addEventListener("submit", function () { dirty = false; });
    }
    Array.prototype.forEach.call(document.querySelectorAll("form.workflow-form"), function (form) {
      form.addEventListener("submit", function (event) {
        var button = form.querySelector("[data-workflow]");
        if (dirty && !window.confirm("You have unsaved changes in the story. They will be lost unless you save first. Continue?")) {
          event.preventDefault();
          return;
        }
        // The question a move asks before it is made (publishing: what readers will see, and when).
        var question = button ? button.getAttribute("data-confirm") : "";
        if (question && !window.confirm(question)) {
          event.preventDefault();
        }
      });
    });
    // Opening one workflow dialog closes the others and focuses its first field.
    var details = document.querySelectorAll(".workflow-details");
    Array.prototype.forEach.call(details, function (item) {
      item.addEventListener("toggle", function () {
        if (!item.open) { return; }
        Array.prototype.forEach.call(details, function (other) { if (other !== item) { other.open = false; } });
        // Its first field, whatever its kind: a comment, a time, a partner's name.
        var field = item.querySelector("textarea, input:not([type=hidden])");
        if (field) { field.focus({ preventScroll: true }); }
        // The whole dialog in the window, its button included, however far down the page it opened.
        var dialog = item.querySelector(".workflow-dialog") || item;
        dialog.scrollIntoView({ block: "nearest" });
      });
    });
    // A dialog the page opened again after a refusal (a reschedule): its field, with the error beside it, has the focus.
    var refused = document.querySelector(".workflow-details[open] [aria-invalid=true]");
    if (refused) { refused.focus(); }
  }
  if (document.readyState === "loading") {
    document.addEventListener("DOMContentLoaded", start);
  } else {
    start();
  }
})();
