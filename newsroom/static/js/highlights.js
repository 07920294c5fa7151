/*
 * The story's highlights (newsroom/templates/admin/stories/story/highlights_inline.html): add and remove rows, reorder them
 * by dragging a row's handle or with its "Move up"/"Move down" buttons, number the hidden positions in the order
 * shown, and say how many there are ("3 of 5"). Without this script the rows save in the order shown.
 *
 * window.NewsroomHighlights.ensureRows(n) lets the autosave restore a form that had more rows than the page.
 */
(function () {
  "use strict";

  function start() {
    var group = document.getElementById("highlights-group");
    var list = group && group.querySelector(".highlight-list:not(.highlight-list-readonly)");
    if (!list) { return; }
    var form = group.closest("form");
    var prefix = group.getAttribute("data-prefix");
    var max = parseInt(group.getAttribute("data-max"), 10) || 5;
    var min = parseInt(group.getAttribute("data-min"), 10) || 1;
    var total = form.querySelector("#id_" + prefix + "-TOTAL_FORMS");
    var template = document.getElementById("highlights-empty");
    var addRow = group.querySelector(".highlight-add-row");
    var addButton = group.querySelector(".highlight-add");
    var count = document.getElementById("highlights-count");
    var lastCount = "";

    function rows() {
      return Array.prototype.filter.call(list.children, function (row) { return !row.hidden; });
    }

    function textOf(row) {
      var input = row.querySelector(".highlight-text");
      return input ? input.value.trim() : "";
    }

    // The form changed: the autosave and the warning before leaving listen for this.
    function changed() {
      form.dispatchEvent(new Event("change", { bubbles: true }));
    }

    function renumber() {
      rows().forEach(function (row, index) {
        var number = index + 1;
        row.querySelector(".highlight-number").textContent = number;
        // A new row left empty keeps the position it came with (0), so that the form does not count it as changed.
        var saved = row.querySelector("input[name$='-id']");
        var placed = (saved && saved.value) || textOf(row) !== "";
        row.querySelector(".highlight-position").value = placed ? number : 0;
        var up = row.querySelector(".highlight-up");
        var down = row.querySelector(".highlight-down");
        up.setAttribute("aria-label", "Move highlight " + number + " up");
        down.setAttribute("aria-label", "Move highlight " + number + " down");
        up.disabled = index === 0;
        down.disabled = index === rows().length - 1;
        row.querySelector(".highlight-remove").setAttribute("aria-label", "Remove highlight " + number);
      });
      if (addRow) { addRow.hidden = rows().length >= max; }
      updateCount();
    }

    function updateCount() {
      var filled = rows().filter(function (row) { return textOf(row) !== ""; }).length;
      var text = filled + " of " + max + " highlights";
      if (filled < min) { text += " — a story needs at least " + min + " to go to review"; }
      count.hidden = false;
      count.classList.toggle("highlight-count-short", filled < min);
      // Only a new number is announced (the region is polite), not every keystroke.
      if (text !== lastCount) { count.textContent = text; lastCount = text; }
    }

    function announce(row, verb) {
      var at = rows().indexOf(row) + 1;
      count.textContent = "Highlight " + verb + " to position " + at + " of " + rows().length + ". " + lastCount;
    }

    function button(className, text) {
      var b = document.createElement("button");
      b.type = "button";
      b.className = "highlight-tool " + className;
      b.textContent = text;
      return b;
    }

    function enhance(row) {
      var tools = document.createElement("span");
      tools.className = "highlight-tools";
      var up = button("highlight-up", "↑");
      var down = button("highlight-down", "↓");
      up.title = "Move up";
      down.title = "Move down";
      var remove = button("highlight-remove", "Remove");
      tools.appendChild(up);
      tools.appendChild(down);
      tools.appendChild(remove);
      row.appendChild(tools);
      var box = row.querySelector(".highlight-delete");
      if (box) { box.hidden = true; }
      var handle = row.querySelector(".highlight-handle");
      handle.hidden = false;
      handle.setAttribute("aria-hidden", "true");  // pointers drag it; keyboards have the move buttons
      handle.title = "Drag to reorder";

      up.addEventListener("click", function () { move(row, -1, up); });
      down.addEventListener("click", function () { move(row, 1, down); });
      remove.addEventListener("click", function () { removeRow(row); });
      handle.addEventListener("pointerdown", function (event) { startDrag(event, row, handle); });
    }

    function move(row, step, focusAfter) {
      var shown = rows();
      var index = shown.indexOf(row);
      var other = shown[index + step];
      if (!other) { return; }
      list.insertBefore(row, step < 0 ? other : other.nextSibling);
      renumber();
      // The button pressed stays under the keyboard; at the end of the list, its twin.
      if (focusAfter.disabled) { focusAfter = row.querySelector(step < 0 ? ".highlight-down" : ".highlight-up"); }
      focusAfter.focus();
      announce(row, "moved");
      changed();
    }

    function removeRow(row) {
      var shown = rows();
      var index = shown.indexOf(row);
      var box = row.querySelector("input[type=checkbox][name$='-DELETE']");
      var saved = row.querySelector("input[name$='-id']");
      if (saved && saved.value) {
        if (box) { box.checked = true; }
      } else {
        row.querySelector(".highlight-text").value = "";  // an unsaved row left empty is not saved
      }
      row.hidden = true;
      list.appendChild(row);
      renumber();
      var next = rows()[Math.min(index, rows().length - 1)];
      if (next) { next.querySelector(".highlight-text").focus(); } else if (addButton) { addButton.focus(); }
      count.textContent = "Highlight removed. " + lastCount;
      changed();
    }

    function newRow() {
      var index = parseInt(total.value, 10);
      var holder = document.createElement("ol");
      holder.innerHTML = template.innerHTML.replace(/__prefix__/g, String(index));
      var row = holder.querySelector("li");
      total.value = index + 1;
      list.appendChild(row);
      enhance(row);
      return row;
    }

    function add() {
      if (rows().length >= max) { return; }
      // An unsaved row removed earlier comes back first, so the form never holds more rows than it needs.
      var row = Array.prototype.filter.call(list.children, function (r) {
        var saved = r.querySelector("input[name$='-id']");
        return r.hidden && !(saved && saved.value);
      })[0];
      if (row) {
        list.insertBefore(row, rows().length ? rows()[rows().length - 1].nextSibling : list.firstChild);
        row.hidden = false;
      } else {
        row = newRow();
      }
      renumber();
      row.querySelector(".highlight-text").focus();
      changed();
    }

    // Dragging with a mouse, a pen or a finger: the row follows the pointer over the other rows.
    var dragging = null;
    function startDrag(event, row, handle) {
      event.preventDefault();
      dragging = { row: row, handle: handle, moved: false };
      if (handle.setPointerCapture) { handle.setPointerCapture(event.pointerId); }
      row.classList.add("highlight-dragging");
    }
    function onDrag(event) {
      if (!dragging) { return; }
      var row = dragging.row;
      var shown = rows();
      var over = shown.filter(function (other) {
        var box = other.getBoundingClientRect();
        return event.clientY >= box.top && event.clientY <= box.bottom;
      })[0];
      if (!over || over === row) { return; }
      // Moving down, it takes the place after the row under the pointer; moving up, before it.
      var down = shown.indexOf(over) > shown.indexOf(row);
      list.insertBefore(row, down ? over.nextSibling : over);
      dragging.moved = true;
      renumber();
    }
    function endDrag() {
      if (!dragging) { return; }
      var row = dragging.row;
      row.classList.remove("highlight-dragging");
      if (dragging.moved) { announce(row, "moved"); changed(); }
      dragging = null;
    }
    list.addEventListener("pointermove", onDrag);
    list.addEventListener("pointerup", endDrag);
    list.addEventListener("pointercancel", endDrag);
    list.addEventListener("lostpointercapture", endDrag);

    Array.prototype.forEach.call(list.children, enhance);
    if (addButton) { addButton.addEventListener("click", add); }
    list.addEventListener("input", updateCount);
    // Whatever happened since (a restored autosave), the positions sent are the order shown.
    form.addEventListener("submit", renumber);
    renumber();

    window.NewsroomHighlights = {
      renumber: renumber,
      // Rows up to form index n - 1 exist (a restored autosave may have added some).
      ensureRows: function (n) {
        while (parseInt(total.value, 10) < n && template) { newRow().setAttribute("data-restored", ""); }
      },
      // After a restore: rows in the order of their positions, removed ones hidden, numbers and count again.
      refresh: function () {
        var all = Array.prototype.slice.call(list.children);
        all.forEach(function (row) {
          var box = row.querySelector("input[type=checkbox][name$='-DELETE']");
          // A row the autosave needed but left empty was one removed before it was kept.
          var unused = row.hasAttribute("data-restored") && textOf(row) === "";
          row.hidden = Boolean(box && box.checked) || unused;
        });
        all.sort(function (a, b) {
          var pa = parseInt(a.querySelector(".highlight-position").value, 10) || 1000;
          var pb = parseInt(b.querySelector(".highlight-position").value, 10) || 1000;
          return (a.hidden - b.hidden) || (pa - pb);
        });
        all.forEach(function (row) { list.appendChild(row); });
        renumber();
      }
    };
  }

  // Loaded after the form (change_form.html): it is there already, and the widgets' scripts have not started.
  if (document.getElementById("story_form")) {
    start();
  } else {
    document.addEventListener("DOMContentLoaded", start);
  }
})();
