/*
 * Tag suggestions for the story form's tags field ("Transport, City hall"): the browser's own suggestion list
 * (a <datalist>) offers the existing tags for the name being typed after the last comma, each as the whole
 * value it would make, so that picking one keeps the names already typed. Names already chosen are not offered
 * again. Without this script the list still offers the tags for the first name.
 */
(function () {
  "use strict";

  var MAX_SUGGESTIONS = 50;

  function key(name) {
    return name.trim().replace(/\s+/g, " ").toLowerCase();
  }

  function enhance(input) {
    var list = document.getElementById(input.getAttribute("list"));
    if (!list) { return; }
    var names = Array.prototype.map.call(list.options, function (option) { return option.value; });

    function suggest() {
      var value = input.value;
      var cut = value.lastIndexOf(",");
      var before = cut < 0 ? "" : value.slice(0, cut + 1) + " ";
      var typed = key(cut < 0 ? value : value.slice(cut + 1));
      var chosen = {};
      before.split(",").forEach(function (name) { chosen[key(name)] = true; });
      var starts = [];
      var contains = [];
      names.forEach(function (name) {
        var k = key(name);
        if (chosen[k]) { return; }
        if (k.indexOf(typed) === 0) { starts.push(name); } else if (typed && k.indexOf(typed) > 0) { contains.push(name); }
      });
      var fragment = document.createDocumentFragment();
      starts.concat(contains).slice(0, MAX_SUGGESTIONS).forEach(function (name) {
        var option = document.createElement("option");
        option.value = before.replace(/^\s+/, "") + name;
        fragment.appendChild(option);
      });
      list.replaceChildren(fragment);
    }

    input.addEventListener("input", suggest);
    input.addEventListener("focus", suggest);
  }

  function start() {
    Array.prototype.forEach.call(document.querySelectorAll("input[data-tag-input][list]"), enhance);
  }
  if (document.readyState === "loading") {
    document.addEventListener("DOMContentLoaded", start);
  } else {
    start();
  }
})();
