// "Signer" stays disabled until every acceptance box is ticked (the server checks it too).
(function () {
  var button = document.getElementById("sign-button");
  if (!button) { return; }
  var boxes = document.querySelectorAll(".js-consent");
  function update() {
    button.disabled = !Array.prototype.every.call(boxes, function (box) { return box.checked; });
  }
  Array.prototype.forEach.call(boxes, function (box) { box.addEventListener("change", update); });
  update();
})();
