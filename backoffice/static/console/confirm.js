// Destructive console actions ask first. A form with data-confirm="…" shows that question when submitted; on
// "OK" it sets its hidden `confirmed` field and goes on, on "Cancel" nothing is sent. Without this script the
// field stays empty and the server answers with a confirm page instead (console/confirm.py), so the action
// still never happens in one click.
(function () {
  "use strict";
  document.addEventListener("submit", function (event) {
    var form = event.target;
    if (!(form instanceof HTMLFormElement) || !form.hasAttribute("data-confirm")) { return; }
    if (!window.confirm(form.getAttribute("data-confirm"))) {
      event.preventDefault();
      return;
    }
    var field = form.querySelector("input[name='confirmed']");
    if (!field) {
      field = document.createElement("input");
      field.type = "hidden";
      field.name = "confirmed";
      form.appendChild(field);
    }
    field.value = "yes";
  });
}());
