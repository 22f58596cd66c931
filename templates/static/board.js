// Optional: counts minutes down between polls and offers a spoken readout. The board works
// without it (meta refresh); no inline script, so the Content-Security-Policy stays strict.
(function () {
  "use strict";
  var table = document.querySelector("table.departures");
  var lang = document.documentElement.lang || "de";
  var base = table ? Date.parse(table.getAttribute("data-generated")) : NaN;
  var started = Date.now();
  function tick() {
    if (isNaN(base)) { return; }
    var now = (base + (Date.now() - started)) / 1000;
    document.querySelectorAll(".countdown[data-epoch]").forEach(function (el) {
      var minutes = Math.floor((parseInt(el.getAttribute("data-epoch"), 10) - now) / 60);
      if (minutes > 20 || !/min|sofort|now/.test(el.textContent)) { return; }
      el.textContent = minutes <= 0 ? (lang === "de" ? "sofort" : "now") : "in " + minutes + " min";
    });
  }
  setInterval(tick, 15000);
  var button = document.querySelector("button.speak");
  if (button && "speechSynthesis" in window) {
    button.hidden = false;
    button.addEventListener("click", function () {
      var utterance = new SpeechSynthesisUtterance(button.getAttribute("data-speech"));
      utterance.lang = button.getAttribute("data-lang") === "en" ? "en-GB" : "de-DE";
      window.speechSynthesis.cancel();
      window.speechSynthesis.speak(utterance);
    });
  }
})();
