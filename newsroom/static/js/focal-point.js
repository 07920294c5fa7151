/*
 * The lead image's focal point: clicking the preview in the story form sets the two percent fields
 * (lead_image_focus_x / _y) and moves the marker; typing in the fields moves it too. Without JavaScript the
 * fields work alone.
 */
(function () {
  "use strict";

  function start() {
    var preview = document.querySelector(".focal-preview");
    var across = document.getElementById("id_lead_image_focus_x");
    var down = document.getElementById("id_lead_image_focus_y");
    if (!preview || !across || !down) {
      return;
    }
    var picture = preview.querySelector("img");
    var marker = preview.querySelector(".focal-marker");

    function show() {
      var x = Math.min(100, Math.max(0, Number(across.value) || 0));
      var y = Math.min(100, Math.max(0, Number(down.value) || 0));
      marker.style.left = x + "%";
      marker.style.top = y + "%";
      marker.hidden = false;
    }

    picture.addEventListener("click", function (event) {
      var box = picture.getBoundingClientRect();
      across.value = Math.round(((event.clientX - box.left) / box.width) * 100);
      down.value = Math.round(((event.clientY - box.top) / box.height) * 100);
      across.dispatchEvent(new Event("change", { bubbles: true }));
      show();
    });
    across.addEventListener("input", show);
    down.addEventListener("input", show);
    show();
  }

  if (document.readyState === "loading") {
    document.addEventListener("DOMContentLoaded", start);
  } else {
    start();
  }
})();
