// The merchant portal's one script, progressive enhancement only: every
// page works without it. A button with data-copy="ID" copies the value of
// the input with that id (the client secret shown once); a button with
// data-print prints the page (the QR code's print view). Both buttons are
// hidden until this script shows them.
"use strict";
document.querySelectorAll("button[data-copy]").forEach(function (b) {
  var input = document.getElementById(b.dataset.copy);
  if (!input || !navigator.clipboard) return;
  b.hidden = false;
  b.addEventListener("click", function () {
    navigator.clipboard.writeText(input.value).then(function () {
      b.textContent = "Copied";
    }, function () {
      input.select();
    });
  });
});
document.querySelectorAll("button[data-print]").forEach(function (b) {
  b.hidden = false;
  b.addEventListener("click", function () { window.print(); });
});
