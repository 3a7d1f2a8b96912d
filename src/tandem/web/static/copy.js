// The copy buttons of Admin → Calendar: the values are plain text on the page; this only
// shows a button beside each that copies it (no inline script: the page's CSP forbids it).
document.querySelectorAll("button[data-copy]").forEach(function (button) {
  var source = document.getElementById(button.getAttribute("data-copy"));
  if (!source || !navigator.clipboard) { return; }
  button.hidden = false;
  button.addEventListener("click", function () {
    navigator.clipboard.writeText(source.textContent.trim()).then(function () { button.textContent = "Copied"; });
  });
});
