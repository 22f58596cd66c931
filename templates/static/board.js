// Optional refinements of the pillar page; it works without them (CSS fits it, a <noscript>
// meta refresh reloads it). With script: the clock and countdowns stay current between polls,
// a poll (If-None-Match) replaces the board without a full-page flash, rows that did not fit
// are hidden from screen readers too, a tap holds a notice page, and the "Vorlesen" button
// plays the server's audio. No inline script, so the Content-Security-Policy stays strict.
(function () {
  "use strict";
  var frame = document.querySelector(".frame");
  if (!frame) { return; }
  var offset = 0;          // server time minus this device's time (s)
  var etag = frame.getAttribute("data-etag") || null;   // the page's own: no second fetch

  function syncClock(f) {
    offset = parseInt(f.getAttribute("data-now"), 10) - Date.now() / 1000;
  }
  function pad(n) { return (n < 10 ? "0" : "") + n; }

  function tick() {
    var now = Date.now() / 1000 + offset;
    var horizon = parseInt(frame.getAttribute("data-horizon"), 10) || 20;
    var time = frame.querySelector(".clock time");
    if (time) {
      // the page's clock text is local time; move it on by the minutes passed since it was made
      var made = parseInt(frame.getAttribute("data-now"), 10);
      var base = time.getAttribute("data-base") || time.textContent;
      time.setAttribute("data-base", base);
      var hm = base.split(":");
      var minutes = parseInt(hm[0], 10) * 60 + parseInt(hm[1], 10) +
        Math.floor(now / 60) - Math.floor(made / 60);
      minutes = ((minutes % 1440) + 1440) % 1440;
      time.textContent = pad(Math.floor(minutes / 60)) + ":" + pad(minutes % 60);
    }
    // the server says which columns count down and in which words (data-word-*)
    var nowWord = frame.getAttribute("data-word-now");
    var minutesWord = frame.getAttribute("data-word-minutes");
    frame.querySelectorAll(".countdown[data-counts]").forEach(function (el) {
      var left = Math.floor((parseInt(el.getAttribute("data-epoch"), 10) - now) / 60);
      if (left > horizon || !nowWord || !minutesWord) { return; }
      el.textContent = left <= 0 ? nowWord : minutesWord.replace("{n}", String(left));
    });
  }

  function hideClippedRows() {
    var list = frame.querySelector(".rows");
    if (!list) { return; }
    var box = list.getBoundingClientRect();
    list.querySelectorAll(".row").forEach(function (row) {
      var b = row.getBoundingClientRect();    // wrapped into the clipped column, or cut off
      var clipped = b.left >= box.right - 1 || b.bottom > box.bottom + 1;
      if (clipped) { row.setAttribute("aria-hidden", "true"); } else { row.removeAttribute("aria-hidden"); }
    });
  }

  // The server abbreviates long destinations for every screen; where the full name fits
  // (wide screens), put it back. Breaks only after "/" (a <wbr>) and between words.
  function setName(name, text) {
    var icon = name.querySelector(".wheelchair");
    var into = name.querySelector("s") ? document.createElement("s") : name;
    while (name.firstChild) { name.removeChild(name.firstChild); }
    text.split("/").forEach(function (part, i, parts) {
      into.appendChild(document.createTextNode(part + (i < parts.length - 1 ? "/" : "")));
      if (i < parts.length - 1) { into.appendChild(document.createElement("wbr")); }
    });
    if (into !== name) { name.appendChild(into); }
    if (icon) { name.appendChild(document.createTextNode(" ")); name.appendChild(icon); }
  }
  function fullNames() {
    frame.querySelectorAll(".name[data-full]").forEach(function (name) {
      var shortName = name.getAttribute("data-short") || name.textContent.replace(/\s*♿$/, "").trim();
      name.setAttribute("data-short", shortName);
      setName(name, name.getAttribute("data-full"));
      var line = parseFloat(getComputedStyle(name).lineHeight) || 20;   // a third line is hidden
      if (name.scrollHeight > name.clientHeight + line / 2 ||
          name.scrollWidth > name.clientWidth + 1) {
        setName(name, shortName);
      }
    });
  }

  function keepIfSame(oldFrame, newFrame, selector) {
    var before = oldFrame.querySelectorAll(selector);
    var after = newFrame.querySelectorAll(selector);   // portrait and landscape pages alike
    for (var i = 0; i < Math.min(before.length, after.length); i++) {
      if (before[i].textContent === after[i].textContent) {
        after[i].parentNode.replaceChild(before[i], after[i]);   // keeps the page turning
      }
    }
  }

  function replaceBoard(html) {
    var doc = new DOMParser().parseFromString(html, "text/html");
    var fresh = doc.querySelector(".frame");
    if (!fresh) { return; }
    keepIfSame(frame, fresh, ".notice-panel");
    keepIfSame(frame, fresh, ".ticker");
    var audio = frame.querySelector("audio.readout");
    if (audio && !audio.paused) {      // a readout in progress is not cut off by a poll
      var bar = fresh.querySelector(".status-bar");
      var oldBar = frame.querySelector(".status-bar");
      if (bar && oldBar) { bar.parentNode.replaceChild(oldBar, bar); }
    }
    frame.parentNode.replaceChild(fresh, frame);
    frame = fresh;
    setUp();
  }

  function poll() {
    var headers = etag ? { "If-None-Match": etag } : {};
    fetch(window.location.href, { headers: headers, cache: "no-store" }).then(function (r) {
      var clock = parseInt(r.headers.get("X-Clock"), 10);
      if (clock > 0) { offset = clock - Date.now() / 1000; tick(); }   // to the second
      if (r.status === 200) {
        var first = etag === null;
        etag = r.headers.get("ETag");
        if (!first) { return r.text().then(replaceBoard); }
      }
      return null;
    }).catch(function () { /* offline: keep counting down what we have */ });
  }

  function setUpSpeech() {
    var button = frame.querySelector("button.speak");
    var audio = frame.querySelector("audio.readout");
    if (!button || !audio || button.getAttribute("data-ready")) { return; }
    button.setAttribute("data-ready", "1");
    button.hidden = false;
    function show(playing) {     // one fixed label: aria-pressed says whether it plays
      button.setAttribute("aria-pressed", playing ? "true" : "false");
    }
    button.addEventListener("click", function () {
      if (!audio.paused) { audio.pause(); audio.currentTime = 0; show(false); return; }
      audio.src = button.getAttribute("data-audio");
      show(true);
      var started = audio.play();
      if (started && started.catch) { started.catch(function () { show(false); }); }
    });
    audio.addEventListener("ended", function () { show(false); });
    audio.addEventListener("error", function () { show(false); });
  }

  function setUp() {
    frame.querySelectorAll(".pages").forEach(function (box) {
      box.addEventListener("click", function () { box.classList.toggle("paused"); });
    });
    setUpSpeech();
    tick();
    if (document.fonts && document.fonts.ready) {
      document.fonts.ready.then(function () { fullNames(); hideClippedRows(); });
    } else {
      fullNames();
      hideClippedRows();
    }
  }

  syncClock(frame);
  setUp();
  setInterval(tick, 5000);
  window.addEventListener("resize", function () { fullNames(); hideClippedRows(); });
  var refresh = parseInt(frame.getAttribute("data-refresh"), 10);
  if (refresh > 0) {
    poll();
    setInterval(poll, refresh * 1000);
  }
})();
