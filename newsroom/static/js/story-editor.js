/*
 * The desk's body editor (django-prose-editor, set up in stories.widgets.RichTextWidget): this script names the
 * editing area after the field's label and shows the body's word count under it, as the writer types.
 * It listens before the editor starts (the widget's media loads it first) for django-prose-editor's
 * "prose-editor:ready" event.
 */
const WORD = /[\p{L}\p{N}]+(?:['’.,\-][\p{L}\p{N}]+)*/gu;

function countWords(editor) {
  const { doc } = editor.state;
  return (doc.textBetween(0, doc.content.size, " ", " ").match(WORD) || []).length;
}

// What word processors put on the clipboard comes with style sheets and style attributes. The editor keeps only
// the markup it knows anyway, but the browser would first report each one as refused by the page's
// Content-Security-Policy when it parses the HTML. So the style attributes go from the tags first (text cannot
// hold a "<"), then the style sheets from the parsed (inert) template.
const TAG = /<[a-zA-Z][^>]*>/g;
const STYLE_ATTRIBUTE = /\sstyle\s*=\s*(?:"[^"]*"|'[^']*'|[^\s"'>]+)/gi;

function withoutStyles(html) {
  const pasted = document.createElement("template");
  pasted.innerHTML = html.replace(TAG, (tag) => tag.replace(STYLE_ATTRIBUTE, ""));
  for (const element of pasted.content.querySelectorAll("style, link, meta, script")) {
    element.remove();
  }
  return pasted.innerHTML;
}

// The menu's buttons that switch a format on and off: assistive technology hears whether each is on.
const TOGGLES = new Set([
  "heading2",
  "heading3",
  "heading4",
  "paragraph",
  "bulletList",
  "orderedList",
  "blockquote",
  "quoteFigure",
  "bold",
  "italic",
  "underline",
  "strike",
  "cite",
]);

function describe(count) {
  return `${count.toLocaleString("en")} ${count === 1 ? "word" : "words"}`;
}

document.addEventListener("prose-editor:ready", (event) => {
  const { editor, textarea } = event.detail;
  if (!textarea.matches("[data-richtext]")) {
    return;
  }
  const wordCount = document.createElement("p");
  wordCount.className = "word-count";
  wordCount.id = `${textarea.id}-word-count`;
  textarea.closest(".prose-editor").after(wordCount);

  const label = document.querySelector(`label[for="${textarea.id}"]`);
  const attributes = {
    role: "textbox",
    "aria-multiline": "true",
    "aria-describedby": [textarea.getAttribute("aria-describedby"), wordCount.id].filter(Boolean).join(" "),
  };
  if (label) {
    label.id ||= `${textarea.id}-label`;
    attributes["aria-labelledby"] = label.id;
    // The label names a textarea the editor hides; a click on it goes to the editing area instead.
    label.addEventListener("click", (click) => {
      click.preventDefault();
      editor.commands.focus();
    });
  }
  editor.view.setProps({ attributes, transformPastedHTML: withoutStyles });

  const update = () => {
    wordCount.textContent = describe(countWords(editor));
  };
  editor.on("update", update);
  update();

  // The menu marks a format that is on, or a button that cannot act here, with a class only.
  // The menu's buttons show an icon font's ligature ("format_bold") and are named by their aria-label ("bold"):
  // the ligature is only a picture, so it is drawn as generated content, kept from assistive technology and from
  // the check that a button's visible words are part of its name (which reads a ligature in the text as words).
  const hideLigatures = () => {
    const menu = textarea.closest(".prose-editor")?.querySelector(".prose-menubar");
    for (const button of menu ? menu.querySelectorAll("button[title], button[aria-label]") : []) {
      for (const node of [...button.childNodes].filter((child) => child.nodeType === Node.TEXT_NODE)) {
        // Drawn from the attribute by story-editor.css (::before): a picture, not words of the button.
        const icon = document.createElement("span");
        icon.className = "menu-icon";
        icon.setAttribute("aria-hidden", "true");
        icon.dataset.icon = node.textContent;
        node.replaceWith(icon);
      }
    }
  };
  // The menu draws its buttons again as the selection moves: each new drawing is hidden the same way.
  const watchMenu = () => {
    const menu = textarea.closest(".prose-editor")?.querySelector(".prose-menubar");
    if (menu) {
      new MutationObserver(hideLigatures).observe(menu, { childList: true, subtree: true });
    }
  };

  // (The menu is drawn once the editor has started, after this event: it is looked up each time.)
  const announce = () => {
    const menu = textarea.closest(".prose-editor")?.querySelector(".prose-menubar");
    for (const button of menu ? menu.querySelectorAll("button[data-name]") : []) {
      if (TOGGLES.has(button.dataset.name)) {
        button.setAttribute("aria-pressed", String(button.classList.contains("active")));
      }
      button.setAttribute("aria-disabled", String(button.classList.contains("disabled")));
    }
  };
  // After the menu's own handler, which comes later in the list, has set its classes.
  editor.on("transaction", () => queueMicrotask(announce));
  editor.on("create", () =>
    queueMicrotask(() => {
      hideLigatures();
      watchMenu();
      announce();
    }),
  );
});
