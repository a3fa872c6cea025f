// The page as text for an agent: one evaluate() per snapshot.
// Gives every visible interactive element, and every visible element with text of its own, a
// data-cogym-id ("1", "2", ... in document order; an element keeps its id across snapshots of
// the same document), and returns one line per such element, indented by its depth among them:
//   [12] button 'Buy Now'    [7] textbox 'Search' value='red'    [3] checkbox 'Cotton' checked
// Interactive: links, buttons, form fields, ARIA widget roles, [onclick], [tabindex], labels
// (left out when their control has its own line), summary, and elements with jQuery-bound
// click handlers (MiniWoB). Hidden: display:none, visibility:hidden, zero size, aria-hidden.
() => {
  const ATTR = "data-cogym-id";
  const COUNTER = "__cogymNextId";
  const NAME_MAX = 300;
  const INTERACTIVE =
    "a[href],button,input,select,textarea,[role=button],[role=link],[role=checkbox]," +
    "[role=radio],[role=tab],[role=menuitem],[role=option],[onclick],[tabindex],label,summary," +
    "[contenteditable=''],[contenteditable=true]";
  // Roles whose name is their whole text: their plain-text descendants get no line of their own.
  const NAME_FROM_CONTENT = new Set([
    "button", "link", "heading", "label", "option", "summary", "tab", "menuitem", "checkbox",
    "radio", "switch", "treeitem",
  ]);
  const SKIP_TAGS = new Set(["SCRIPT", "STYLE", "NOSCRIPT", "TEMPLATE", "HEAD", "META", "LINK"]);
  const INPUT_ROLES = {
    button: "button", submit: "button", reset: "button", image: "button",
    checkbox: "checkbox", radio: "radio", range: "slider", number: "spinbutton",
    date: "date", "datetime-local": "datetime", time: "time", month: "month", week: "week",
    color: "color", file: "file",
  };
  const TAG_ROLES = {
    A: "link", BUTTON: "button", SELECT: "combobox", TEXTAREA: "textbox", SUMMARY: "summary",
    LABEL: "label", OPTION: "option", IMG: "img", H1: "heading", H2: "heading", H3: "heading",
    H4: "heading", H5: "heading", H6: "heading", LI: "listitem", TD: "cell", TH: "columnheader",
    LEGEND: "legend", CAPTION: "caption",
  };

  const collapse = (s) => (s || "").replace(/\s+/g, " ").trim();
  const cut = (s) => (s.length > NAME_MAX ? s.slice(0, NAME_MAX - 3) + "..." : s);
  const quote = (s) => "'" + cut(s).replace(/\\/g, "\\\\").replace(/'/g, "\\'") + "'";

  const isHiddenSubtree = (el) => {
    if (el.getAttribute("aria-hidden") === "true") return true;
    if (el.tagName === "INPUT" && (el.type || "").toLowerCase() === "hidden") return true;
    const style = getComputedStyle(el);
    if (style.display === "none") return true;
    // a zero-size box that clips its overflow shows none of its content
    if (style.overflow !== "visible" && style.display !== "contents") {
      const rect = el.getBoundingClientRect();
      if (rect.width === 0 || rect.height === 0) return true;
    }
    return false;
  };
  // A label whose control gets a line of its own adds nothing: the control carries its text.
  const labelsListedControl = (label) => {
    const control = label.control;
    return !!control && control.checkVisibility({visibilityProperty: true}) && isShown(control);
  };
  const isShown = (el) => {
    const style = getComputedStyle(el);
    if (style.visibility === "hidden" || style.visibility === "collapse") return false;
    if (style.display === "contents") return true;
    const rect = el.getBoundingClientRect();
    return rect.width > 0 && rect.height > 0;
  };
  const ownText = (el) => {
    let text = "";
    for (const child of el.childNodes) {
      if (child.nodeType === Node.TEXT_NODE) text += " " + child.nodeValue;
    }
    return collapse(text);
  };
  // Visible text of a subtree (hidden parts left out).
  const visibleText = (el) => {
    let text = "";
    const walk = (node) => {
      for (const child of node.childNodes) {
        if (text.length > 4 * NAME_MAX) return;  // the name is cut anyway
        if (child.nodeType === Node.TEXT_NODE) {
          text += child.nodeValue;
        } else if (child.nodeType === Node.ELEMENT_NODE && !SKIP_TAGS.has(child.tagName)) {
          if (isHiddenSubtree(child)) continue;
          if (child.tagName === "SELECT" || child.tagName === "TEXTAREA") continue;
          // inline children run on in the text; blocks (and images) are set apart by spaces
          const inline = getComputedStyle(child).display.startsWith("inline");
          const sep = inline && child.tagName !== "IMG" && child.tagName !== "BR" ? "" : " ";
          text += sep;
          if (child.tagName === "IMG") text += child.alt || "";
          else walk(child);
          text += sep;
        }
      }
    };
    walk(el);
    return collapse(text);
  };
  // Click handlers bound with jQuery (as MiniWoB's pages do) leave no attribute behind.
  const jq = window.jQuery && window.jQuery._data ? window.jQuery : null;
  const hasBoundClick = (el) => {
    if (!jq) return false;
    const events = jq._data(el, "events");
    return !!events && !!(events.click || events.mousedown || events.mouseup || events.dblclick);
  };
  const roleOf = (el, clickable) => {
    const aria = (el.getAttribute("role") || "").trim().split(/\s+/)[0];
    if (aria && aria !== "presentation" && aria !== "none" && aria !== "generic") return aria;
    const tag = el.tagName;
    if (tag === "INPUT") return INPUT_ROLES[(el.type || "text").toLowerCase()] || "textbox";
    if (tag === "A") return el.hasAttribute("href") ? "link" : "text";
    if (tag === "SELECT") return el.multiple || el.size > 1 ? "listbox" : "combobox";
    if (el.isContentEditable && el === el.closest("[contenteditable]")) return "textbox";
    if (TAG_ROLES[tag]) return TAG_ROLES[tag];
    return clickable ? "generic" : "text";
  };
  const labelsText = (el) => {
    if (el.labels && el.labels.length) {
      const parts = [];
      for (const label of el.labels) {
        let text = "";
        for (const node of label.childNodes) {
          if (node === el || (node.nodeType === Node.ELEMENT_NODE && node.contains(el))) continue;
          text += " " + (node.nodeType === Node.TEXT_NODE ? node.nodeValue : visibleText(node));
        }
        parts.push(text);
      }
      return collapse(parts.join(" "));
    }
    return "";
  };
  const nameOf = (el, role) => {
    const labelledby = el.getAttribute("aria-labelledby");
    if (labelledby) {
      const text = collapse(
        labelledby.split(/\s+/).map((id) => {
          const ref = document.getElementById(id);
          return ref ? visibleText(ref) : "";
        }).join(" "));
      if (text) return text;
    }
    const aria = collapse(el.getAttribute("aria-label"));
    if (aria) return aria;
    const tag = el.tagName;
    if (tag === "INPUT" || tag === "SELECT" || tag === "TEXTAREA") {
      const label = labelsText(el);
      if (label) return label;
      const type = (el.type || "").toLowerCase();
      if (tag === "INPUT" && (type === "submit" || type === "reset" || type === "button")) {
        return collapse(el.value) || (type === "submit" ? "Submit" : type === "reset" ? "Reset" : "");
      }
      if (type === "image") return collapse(el.alt) || "Submit";
      return collapse(el.placeholder) || collapse(el.title) || "";
    }
    if (tag === "IMG") return collapse(el.alt) || collapse(el.title);
    // text elements also show their inline children's text ('Price: $12.00'); the children
    // that have text of their own still get lines (and ids) of their own
    const text = visibleText(el);
    if (text) return text;
    return collapse(el.title) || collapse(el.getAttribute("placeholder"));
  };
  const stateOf = (el, role) => {
    const parts = [];
    const tag = el.tagName;
    if (tag === "SELECT") {
      const chosen = Array.from(el.selectedOptions).map((o) => collapse(o.label || o.text));
      parts.push("value=" + (el.multiple ? "[" + chosen.map(quote).join(", ") + "]"
                                         : quote(chosen[0] || "")));
      parts.push("options=[" + Array.from(el.options).map((o) => quote(collapse(o.label || o.text)))
        .join(", ") + "]");
    } else if (tag === "TEXTAREA" || (tag === "INPUT" && !["checkbox", "radio", "button", "submit",
        "reset", "image", "file"].includes((el.type || "").toLowerCase()))) {
      parts.push("value=" + quote(el.value || ""));
    } else if (el.isContentEditable && role === "textbox") {
      parts.push("value=" + quote(collapse(el.innerText)));
    }
    if (tag === "INPUT" && (el.type === "checkbox" || el.type === "radio")) {
      if (el.checked) parts.push("checked");
    } else {
      const checked = el.getAttribute("aria-checked");
      if (checked === "true") parts.push("checked");
      else if (checked === "mixed") parts.push("mixed");
    }
    if (el.getAttribute("aria-selected") === "true") parts.push("selected");
    const expanded = el.getAttribute("aria-expanded");
    if (expanded === "true" || (tag === "SUMMARY" && el.parentElement && el.parentElement.open)) {
      parts.push("expanded");
    }
    if (el.disabled || el.getAttribute("aria-disabled") === "true") parts.push("disabled");
    if (el.required) parts.push("required");
    return parts;
  };

  let nextId = window[COUNTER];
  if (typeof nextId !== "number") {
    nextId = 1;
    for (const el of document.querySelectorAll("[" + ATTR + "]")) {
      const n = parseInt(el.getAttribute(ATTR), 10);
      if (n >= nextId) nextId = n + 1;
    }
  }
  const lines = [];
  const ids = [];
  const seen = new Set();
  // absorbed: inside an element whose name is its whole text, plain text gets no line
  const walk = (el, depth, absorbed) => {
    if (SKIP_TAGS.has(el.tagName) || isHiddenSubtree(el)) return;
    if (el.tagName === "OPTION" || el.tagName === "OPTGROUP") return;  // listed by their select
    if (el.tagName === "LABEL" && labelsListedControl(el)) {
      for (const child of el.children) walk(child, depth, true);
      return;
    }
    const clickable = el.matches("[onclick],[tabindex]") || hasBoundClick(el);
    const interactive = clickable || el.matches(INTERACTIVE);
    let emitted = false;
    let role = null;
    if ((interactive || (!absorbed && ownText(el))) && isShown(el)) {
      role = roleOf(el, clickable);
      let id = el.getAttribute(ATTR);
      if (!id || seen.has(id)) {  // a copied node (cloneNode) keeps the attribute: renumber it
        id = String(nextId++);
        el.setAttribute(ATTR, id);
      }
      seen.add(id);
      const name = nameOf(el, role);
      const state = stateOf(el, role);
      const hint = collapse(el.getAttribute("class"));
      if (!name && hint) state.unshift("class=" + quote(hint));  // e.g. an icon: class='reply'

      lines.push("  ".repeat(depth) + "[" + id + "] " + role + " " + quote(name)
        + (state.length ? " " + state.join(" ") : ""));
      ids.push([id, role]);
      emitted = true;
    }
    const childAbsorbed = absorbed || (emitted && NAME_FROM_CONTENT.has(role));
    const childDepth = emitted ? depth + 1 : depth;
    for (const child of el.children) walk(child, childDepth, childAbsorbed);
    if (el.shadowRoot) {
      for (const child of el.shadowRoot.children) walk(child, childDepth, childAbsorbed);
    }
  };
  if (document.body) walk(document.body, 0, false);
  window[COUNTER] = nextId;
  return {
    text: lines.join("\n"),
    ids: ids,
    title: collapse(document.title),
    url: location.href,
  };
}
