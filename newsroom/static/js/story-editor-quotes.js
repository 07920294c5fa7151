/*
 * A quote with its source, the one figure a story body may hold (stories.richtext allows figure, figcaption and
 * cite for it):
 *
 *   <figure><blockquote><p>The words.</p></blockquote><figcaption><cite>Who said them</cite></figcaption></figure>
 *
 * django-prose-editor's configurable preset imports this module (settings.DJANGO_PROSE_EDITOR_EXTENSIONS) and
 * enables each extension by its exported name.
 */
import { Mark, Node } from "django-prose-editor/editor";

export const QuoteFigure = Node.create({
  name: "quoteFigure",
  group: "block",
  content: "blockquote quoteCaption",
  defining: true,
  parseHTML() {
    return [{ tag: "figure" }];
  },
  renderHTML() {
    return ["figure", 0];
  },
  addCommands() {
    return {
      // Wraps the selected blocks in a quote with an empty source line below, where the cursor goes.
      insertQuoteWithSource:
        () =>
        ({ state, chain }) => {
          const { $from, $to } = state.selection;
          const range = $from.blockRange($to);
          if (!range) {
            return false;
          }
          const content = state.doc.slice(range.start, range.end).content.toJSON() || [{ type: "paragraph" }];
          return chain()
            .insertContentAt(
              { from: range.start, to: range.end },
              {
                type: this.name,
                content: [
                  { type: "blockquote", content },
                  { type: "quoteCaption" },
                ],
              },
            )
            .command(({ tr, commands }) => {
              let captionEnd = null;
              tr.doc.nodesBetween(range.start, tr.mapping.map(range.end), (node, pos) => {
                if (node.type.name === "quoteCaption") {
                  captionEnd = pos + 1 + node.content.size;
                }
              });
              return captionEnd === null ? true : commands.setTextSelection(captionEnd);
            })
            .focus()
            .run();
        },
    };
  },
  addMenuItems({ menu, buttons }) {
    menu.defineItem({
      name: "quoteFigure",
      groups: "nodes",
      command(editor) {
        editor.commands.insertQuoteWithSource();
      },
      button: buttons.material("record_voice_over", "Quote with its source"),
      active: (editor) => editor.isActive("quoteFigure"),
      enabled: (editor) => !editor.isActive("quoteFigure") && !editor.isActive("listItem"),
    });
  },
});

export const QuoteCaption = Node.create({
  name: "quoteCaption",
  content: "inline*",
  defining: true,
  parseHTML() {
    return [{ tag: "figcaption" }];
  },
  renderHTML() {
    return ["figcaption", 0];
  },
});

export const Cite = Mark.create({
  name: "cite",
  // Typing on after the name writes plain text again (", mayor").
  inclusive: false,
  parseHTML() {
    return [{ tag: "cite" }];
  },
  renderHTML() {
    return ["cite", 0];
  },
  addMenuItems({ menu, buttons }) {
    menu.defineItem({
      name: "cite",
      groups: "marks",
      command(editor) {
        editor.chain().focus().toggleMark("cite").run();
      },
      button: buttons.material("person", "Source (who said it, or the work quoted)"),
      active: (editor) => editor.isActive("cite"),
    });
  },
});
