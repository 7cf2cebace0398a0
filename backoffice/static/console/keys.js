/* The console's keyboard, as progressive enhancement (every action is also a link or a button):
   in a queue, j / k move a visible highlight through the rows (tr[data-queue-row]) and Enter opens the
   highlighted row's link (a[data-open]); "/" focuses the search ([data-key-search]); "?" opens a dialog listing
   the keys. Keys are ignored while typing in a field or with Ctrl, Alt or Meta held, so browser and screen-reader
   shortcuts keep working. r and n (reply, internal note) belong to the ticket page's compose.js. */
(function () {
  "use strict";

  var HIGHLIGHT = ["table-active", "queue-current"];
  var KEYS = [
    ["j", "next ticket in the queue"],
    ["k", "previous ticket in the queue"],
    ["Enter", "open the highlighted ticket"],
    ["/", "search"],
    ["r", "reply to the customer \u2014 on a ticket page"],
    ["n", "internal note \u2014 on a ticket page"],
    ["?", "show these keys"],
    ["Escape", "close this dialog"]
  ];
  var current = -1;
  var dialog = null;
  var opener = null;

  function rows() {
    return Array.prototype.slice.call(document.querySelectorAll("tr[data-queue-row]"));
  }

  function typing(target) {
    if (!target || !target.closest) {
      return false;
    }
    return target.isContentEditable || target.closest("input, textarea, select, [contenteditable]") !== null;
  }

  function highlight(index) {
    var all = rows();
    if (!all.length) {
      return;
    }
    index = Math.max(0, Math.min(all.length - 1, index));
    all.forEach(function (row, i) {
      HIGHLIGHT.forEach(function (name) { row.classList.toggle(name, i === index); });
      if (i === index) {
        row.setAttribute("aria-current", "true");
      } else {
        row.removeAttribute("aria-current");
      }
    });
    current = index;
    all[index].scrollIntoView({block: "nearest"});
    var link = all[index].querySelector("a[data-open]");
    if (link) {
      // focus follows the highlight, so a screen reader announces the ticket and Enter works natively too
      link.focus({preventScroll: true});
    }
  }

  function open() {
    var row = rows()[current];
    var link = row && row.querySelector("a[data-open]");
    if (link) {
      window.location.assign(link.href);
    }
  }

  function buildDialog() {
    var box = document.createElement("dialog");
    box.id = "keys-help";
    box.setAttribute("aria-labelledby", "keys-help-title");
    box.className = "border rounded p-3 shadow";
    var title = document.createElement("h2");
    title.id = "keys-help-title";
    title.className = "h5";
    title.textContent = "Keyboard shortcuts";
    box.appendChild(title);
    var list = document.createElement("dl");
    list.className = "mb-3";
    KEYS.forEach(function (pair) {
      var key = document.createElement("dt");
      var kbd = document.createElement("kbd");
      kbd.textContent = pair[0];
      key.appendChild(kbd);
      var what = document.createElement("dd");
      what.textContent = pair[1];
      list.appendChild(key);
      list.appendChild(what);
    });
    box.appendChild(list);
    var note = document.createElement("p");
    note.className = "small text-muted";
    note.textContent = "Keys do nothing while you type in a field.";
    box.appendChild(note);
    var close = document.createElement("button");
    close.type = "button";
    close.className = "btn btn-sm btn-secondary";
    close.textContent = "Close";
    close.addEventListener("click", function () { box.close(); });
    box.appendChild(close);
    box.addEventListener("close", function () {
      if (opener && document.contains(opener)) {
        opener.focus();
      }
    });
    document.body.appendChild(box);
    return box;
  }

  function showHelp() {
    dialog = dialog || buildDialog();
    if (dialog.open) {
      return;
    }
    opener = document.activeElement;
    dialog.showModal();  // modal: focus moves inside, Escape closes it, the page behind is inert
    dialog.querySelector("button").focus();
  }

  document.addEventListener("keydown", function (event) {
    if (event.defaultPrevented || event.ctrlKey || event.altKey || event.metaKey || typing(event.target)) {
      return;
    }
    if (dialog && dialog.open) {
      return;  // the dialog handles its own keys (Escape, Tab, the button)
    }
    var key = event.key;
    if (key === "?") {
      event.preventDefault();
      showHelp();
    } else if (key === "/") {
      var search = document.querySelector("[data-key-search]");
      if (search) {
        event.preventDefault();
        search.focus();
        if (search.select) {
          search.select();
        }
      }
    } else if ((key === "j" || key === "k") && rows().length) {
      event.preventDefault();
      highlight(current < 0 ? 0 : current + (key === "j" ? 1 : -1));
    } else if (key === "Enter" && current >= 0 && !(event.target && event.target.closest && event.target.closest("a, button"))) {
      event.preventDefault();
      open();
    }
  });
}());
