// The ticket page's compose area, as a progressive enhancement of two plain forms (both work without it):
// one of "Reply to the customer" / "Internal note" shows at a time; "Insert into the reply" puts the chosen
// canned response (already filled in by the server, in the option's data-text) into the draft where the cursor
// is, instead of posting the form (which appends it after the draft); `r` focuses the reply box and `n` the note box, unless one types in a field.
(function () {
  "use strict";
  var compose = document.getElementById("compose");
  if (!compose) { return; }
  var panels = compose.querySelectorAll("[data-compose-panel]");
  var tabs = compose.querySelectorAll("[data-compose-tab]");
  var boxes = { reply: "reply-body", note: "note-body" };

  function show(mode) {
    panels.forEach(function (panel) { panel.hidden = panel.dataset.composePanel !== mode; });
    tabs.forEach(function (tab) {
      var active = tab.dataset.composeTab === mode;
      tab.setAttribute("aria-pressed", active ? "true" : "false");
      // the filled button of the same colour marks the mode (site.css gives .btn-primary its AA contrast)
      tab.classList.toggle(tab.dataset.on, active);
      tab.classList.toggle(tab.dataset.off, !active);
    });
    compose.dataset.mode = mode;
  }

  function focusBox(mode) {
    show(mode);
    var box = document.getElementById(boxes[mode]);
    if (box) { box.focus(); }
  }

  var switcher = compose.querySelector("[data-compose-switch]");
  if (switcher) { switcher.classList.remove("d-none"); }
  var keys = compose.querySelector("[data-compose-keys]");
  if (keys) { keys.classList.remove("d-none"); }  // the keys work only with the script, so say so only then
  tabs.forEach(function (tab) {
    tab.addEventListener("click", function () { focusBox(tab.dataset.composeTab); });
  });
  show(compose.dataset.mode === "note" ? "note" : "reply");
  var changed = document.getElementById("changed-meanwhile");  // the 409 page: what changed comes first
  if (changed) { changed.scrollIntoView(); changed.focus({ preventScroll: true }); }

  compose.querySelectorAll("[data-canned-select]").forEach(function (button) {
    button.addEventListener("click", function (event) {
      var select = document.getElementById(button.dataset.cannedSelect);
      var box = document.getElementById(button.dataset.cannedTarget);
      var option = select && select.options[select.selectedIndex];
      event.preventDefault();
      if (!option || !option.value) { select.focus(); return; }
      var text = option.dataset.text || "";
      var start = box.selectionStart, end = box.selectionEnd;
      box.setRangeText(text, start, end, "end");
      box.focus();
      box.dispatchEvent(new Event("input", { bubbles: true }));
      select.selectedIndex = 0;
    });
  });

  function typing(target) {
    if (!target || !target.tagName) { return false; }
    var tag = target.tagName.toLowerCase();
    return tag === "input" || tag === "textarea" || tag === "select" || target.isContentEditable;
  }

  document.addEventListener("keydown", function (event) {
    if (event.defaultPrevented || event.ctrlKey || event.metaKey || event.altKey || typing(event.target)) { return; }
    var mode = event.key === "r" ? "reply" : event.key === "n" ? "note" : null;
    if (mode && document.getElementById(boxes[mode])) {
      event.preventDefault();
      focusBox(mode);
    }
  });
})();
