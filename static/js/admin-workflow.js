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
        var name = button ? button.getAttribute("data-workflow") : "";
        if (dirty && !window.confirm("You have unsaved changes in the story. They will be lost unless you save first. Continue?")) {
          event.preventDefault();
          return;
        }
        if (name === "publish" && !window.confirm("Publish this story now? Readers will see it at once.")) {
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
        var field = item.querySelector("textarea, input[type=datetime-local]");
        if (field) { field.focus(); }
      });
    });
  }
  if (document.readyState === "loading") {
    document.addEventListener("DOMContentLoaded", start);
  } else {
    start();
  }
})();
