/*
 * A small rich-text editor for story bodies: a toolbar over a contenteditable
 * area that writes its HTML back into the (hidden) textarea the form submits.
 * The server cleans whatever arrives with an allowlist, so this script only
 * needs to make good markup easy, not to be a security boundary.
 * Without JavaScript the textarea stays and takes HTML as it is.
 */
(function () {
  "use strict";

  var TOOLS = [
    { label: "Paragraph", text: "¶", command: "formatBlock", value: "p" },
    { label: "Subheading", text: "H2", command: "formatBlock", value: "h2" },
    { label: "Minor subheading", text: "H3", command: "formatBlock", value: "h3" },
    { label: "Bold", text: "B", command: "bold", className: "rt-bold" },
    { label: "Italic", text: "I", command: "italic", className: "rt-italic" },
    { label: "Link", text: "Link", command: "createLink" },
    { label: "Remove link", text: "Unlink", command: "unlink" },
    { label: "Quote", text: "“ ”", command: "formatBlock", value: "blockquote" },
    { label: "Bulleted list", text: "• List", command: "insertUnorderedList" },
    { label: "Numbered list", text: "1. List", command: "insertOrderedList" },
    { label: "Clear formatting", text: "Clear", command: "removeFormat" }
  ];
  var BLOCKS = /^(P|H2|H3|H4|UL|OL|BLOCKQUOTE|FIGURE)$/;

  function escapeHtml(text) {
    var div = document.createElement("div");
    div.textContent = text;
    return div.innerHTML;
  }

  var SEMANTIC = { B: "strong", I: "em" };

  // Browsers make <div>s, bare text and <b>/<i> when editing; the body is paragraphs with <strong>/<em>.
  function normalise(editor) {
    Array.prototype.forEach.call(editor.querySelectorAll("b, i"), function (node) {
      var replacement = document.createElement(SEMANTIC[node.tagName]);
      while (node.firstChild) { replacement.appendChild(node.firstChild); }
      node.parentNode.replaceChild(replacement, node);
    });
    Array.prototype.slice.call(editor.childNodes).forEach(function (node) {
      if (node.nodeType === Node.TEXT_NODE) {
        if (!node.textContent.trim()) { editor.removeChild(node); return; }
        var p = document.createElement("p");
        editor.replaceChild(p, node);
        p.appendChild(node);
      } else if (node.nodeType === Node.ELEMENT_NODE && !BLOCKS.test(node.tagName)) {
        var para = document.createElement("p");
        while (node.firstChild) { para.appendChild(node.firstChild); }
        editor.replaceChild(para, node);
        if (!para.textContent.trim() && !para.querySelector("br")) { editor.removeChild(para); }
      }
    });
  }

  function init(textarea) {
    var wrapper = document.createElement("div");
    wrapper.className = "rt-editor";
    var toolbar = document.createElement("div");
    toolbar.className = "rt-toolbar";
    toolbar.setAttribute("role", "toolbar");
    toolbar.setAttribute("aria-label", "Formatting");
    var editor = document.createElement("div");
    editor.className = "rt-area";
    editor.contentEditable = "true";
    editor.setAttribute("role", "textbox");
    editor.setAttribute("aria-multiline", "true");
    var label = document.querySelector('label[for="' + textarea.id + '"]');
    if (label) {
      if (!label.id) { label.id = textarea.id + "-label"; }
      editor.setAttribute("aria-labelledby", label.id);
      label.addEventListener("click", function () { editor.focus(); });
    }
    // Start an empty body inside a paragraph, so the first line typed is one.
    editor.innerHTML = textarea.value.trim() || "<p><br></p>";

    function sync() {
      normalise(editor);
      textarea.value = editor.innerHTML;
      textarea.dispatchEvent(new Event("change", { bubbles: true }));
    }

    TOOLS.forEach(function (tool) {
      var button = document.createElement("button");
      button.type = "button";
      button.className = "rt-button" + (tool.className ? " " + tool.className : "");
      // The accessible name starts with the visible text, so voice control can "click H2".
      button.textContent = tool.text;
      button.title = tool.label;
      button.setAttribute("aria-label", tool.text + " – " + tool.label);
      // Keep the text selection in the editor when the button is pressed.
      button.addEventListener("mousedown", function (event) { event.preventDefault(); });
      button.addEventListener("click", function () {
        editor.focus();
        if (tool.command === "createLink") {
          var url = window.prompt("Link address (https://…, or mailto:…)", "https://");
          if (!url) { return; }
          url = url.trim();
          if (!/^(https?:\/\/|mailto:)/i.test(url)) {
            window.alert("Links must start with https://, http:// or mailto:");
            return;
          }
          document.execCommand("createLink", false, url);
        } else if (tool.command === "formatBlock") {
          document.execCommand("formatBlock", false, "<" + tool.value + ">");
        } else {
          document.execCommand(tool.command, false, null);
        }
        sync();
      });
      toolbar.appendChild(button);
    });

    // Pasted text arrives as plain paragraphs: no fonts or styles from word processors.
    editor.addEventListener("paste", function (event) {
      var text = (event.clipboardData || window.clipboardData).getData("text/plain");
      if (!text) { return; }
      event.preventDefault();
      var paragraphs = text.split(/\r?\n\s*\r?\n/).map(function (p) { return p.trim(); }).filter(Boolean);
      if (paragraphs.length > 1) {
        document.execCommand("insertHTML", false, paragraphs.map(function (p) {
          return "<p>" + escapeHtml(p).replace(/\r?\n/g, "<br>") + "</p>";
        }).join(""));
      } else {
        document.execCommand("insertText", false, text);
      }
      sync();
    });
    editor.addEventListener("input", function () { textarea.value = editor.innerHTML; });
    editor.addEventListener("blur", sync);
    if (textarea.form) { textarea.form.addEventListener("submit", sync); }

    try { document.execCommand("defaultParagraphSeparator", false, "p"); } catch (e) { /* older browsers */ }
    textarea.hidden = true;
    textarea.setAttribute("aria-hidden", "true");
    textarea.parentNode.insertBefore(wrapper, textarea);
    wrapper.appendChild(toolbar);
    wrapper.appendChild(editor);
    wrapper.appendChild(textarea);
  }

  function start() {
    Array.prototype.forEach.call(document.querySelectorAll("textarea[data-richtext]"), function (textarea) {
      if (textarea.readOnly || textarea.disabled) { return; }
      init(textarea);
    });
  }
  if (document.readyState === "loading") {
    document.addEventListener("DOMContentLoaded", start);
  } else {
    start();
  }
})();
