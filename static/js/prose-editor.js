// The portal's preset for django-prose-editor (see portal/richtext.py).
//
// It does what the package's "configurable" preset does, with two changes:
// - injectCSS is off: Tiptap would otherwise add a <style> element, which the site's
//   Content-Security-Policy (style-src 'self') rightly blocks; editor.css carries the styles.
// - the editable area gets the accessible name of the field's label, since the <label>
//   points at the hidden textarea.
import * as editorModule from "django-prose-editor/editor";

const ATTRIBUTE = "data-django-prose-editor-portal";
const loadedModules = new Map();

async function loadModules(urls) {
  await Promise.all(
    (urls || []).map((url) => {
      if (!loadedModules.has(url)) {
        loadedModules.set(url, import(url).then((module) => Object.assign(extensionsByName, module)));
      }
      return loadedModules.get(url);
    }),
  );
}

const extensionsByName = { ...editorModule };

async function createEditor(textarea) {
  if (textarea.closest(".prose-editor")) return null;
  const config = JSON.parse(textarea.getAttribute(ATTRIBUTE) || "{}");
  await loadModules(config.js_modules);
  const extensions = [];
  for (const [name, options] of Object.entries(config.extensions || {})) {
    const extension = extensionsByName[name];
    if (extension) extensions.push(typeof options === "object" ? extension.configure(options) : extension);
  }
  const disabled = textarea.hasAttribute("disabled");
  const wrapper = editorModule.crel("div", { className: `prose-editor ${disabled ? "disabled" : ""}` });
  textarea.before(wrapper);
  wrapper.append(textarea);
  const label = textarea.id ? document.querySelector(`label[for="${textarea.id}"]`) : null;
  const name = label ? label.textContent.replace(/:\s*$/, "").trim() : textarea.name;
  const editor = new editorModule.Editor({
    element: wrapper,
    editable: !disabled,
    extensions,
    content: textarea.value,
    injectCSS: false,
    editorProps: { attributes: { "aria-label": name, "aria-multiline": "true", role: "textbox" } },
    onUpdate({ editor }) {
      const html = editor.getHTML();
      textarea.value = /^<(\w+)(\s[^>]*)?><\/\1>$/i.test(html) ? "" : html;
      textarea.dispatchEvent(new Event("input", { bubbles: true }));
    },
    onDestroy() {
      wrapper.before(textarea);
      wrapper.remove();
    },
  });
  textarea.dispatchEvent(new CustomEvent("prose-editor:ready", { detail: { editor, textarea }, bubbles: true }));
  return editor;
}

editorModule.initializeEditors((textarea) => {
  createEditor(textarea).catch((error) => console.error("Could not start the rich-text editor:", error));
}, `[${ATTRIBUTE}]`);
