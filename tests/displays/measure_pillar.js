// Measures a pillar page as laid out in the browser; returns plain data for the test to judge.
(async () => {
  await document.fonts.ready;   // layout itself is forced by the first getBoundingClientRect
  const vw = window.innerWidth, vh = window.innerHeight;
  const doc = document.documentElement;
  const box = (el) => { const b = el.getBoundingClientRect();
    return { top: b.top, left: b.left, bottom: b.bottom, right: b.right, height: b.height }; };
  const onScreen = (el) => { if (!el) { return false; } const b = el.getBoundingClientRect();
    return b.height > 0 && b.top >= -0.5 && b.left >= -0.5 && b.bottom <= vh + 0.5 &&
      b.right <= vw + 0.5; };
  // how many distinct lines the characters of a text range sit on
  const linesOf = (node, start, end) => {
    const range = document.createRange();
    range.setStart(node, start); range.setEnd(node, end);
    const tops = new Set();
    for (const r of range.getClientRects()) { if (r.width > 0) { tops.add(Math.round(r.top)); } }
    return tops.size;
  };
  const textNodes = (el) => { const out = []; const walk = document.createTreeWalker(el, NodeFilter.SHOW_TEXT);
    while (walk.nextNode()) { out.push(walk.currentNode); } return out; };
  // a notice comes as portrait and landscape pages; the screen shows one of them
  const shownOf = (selector) => [...document.querySelectorAll(selector)]
    .find((el) => el.getClientRects().length > 0) || null;
  const result = {
    viewport: [vw, vh],
    scrolls: doc.scrollHeight > vh + 1 || doc.scrollWidth > vw + 1 ||
      document.body.scrollHeight > vh + 1 || document.body.scrollWidth > vw + 1,
    header: onScreen(document.querySelector(".board-head")),
    clock: onScreen(document.querySelector(".clock")),
    status: onScreen(document.querySelector(".status")),
    statusText: (document.querySelector(".status") || {}).textContent || null,
    ticker: document.querySelector(".ticker") ? onScreen(shownOf(".ticker")) : null,
    panel: document.querySelector(".notice-panel") ? onScreen(shownOf(".notice-panel")) : null,
    takeover: document.querySelector(".takeover") ? onScreen(shownOf(".takeover")) : null,
    pagesWhole: [], shown: [], cut: [], total: 0, brokenWords: [], wrappedTimes: [],
    destFont: null, lineFont: null, spareRows: null, platformHeader: null, rowsText: [],
  };
  document.querySelectorAll(".pages > .page").forEach((page) => {
    if (!page.parentElement.getClientRects().length) { return; }   // the other orientation's
    result.pagesWhole.push(page.scrollHeight <= page.clientHeight + 1 &&
      page.scrollWidth <= page.clientWidth + 1);
  });
  const head = document.querySelectorAll(".colhead > span");
  if (head.length) { result.platformHeader = head[head.length - 1].textContent.trim(); }
  const list = document.querySelector(".rows");
  if (list) {
    const lb = list.getBoundingClientRect();
    const rows = [...list.querySelectorAll(".row:not(.empty)")];
    result.total = rows.length;
    let rowHeight = 0, lastBottom = lb.top;
    rows.forEach((row, i) => {
      const b = row.getBoundingClientRect();
      rowHeight = b.height;
      const meets = b.left < lb.right - 0.5 && b.right > lb.left + 0.5 &&
        b.top < lb.bottom - 0.5 && b.bottom > lb.top + 0.5;
      if (!meets) { return; }
      const whole = b.top >= lb.top - 0.5 && b.bottom <= lb.bottom + 0.5 &&
        b.left >= lb.left - 0.5 && b.right <= lb.right + 0.5 && onScreen(row);
      (whole ? result.shown : result.cut).push(i);
      if (whole) { lastBottom = Math.max(lastBottom, b.bottom);
        const cells = row.querySelectorAll(".line, .name, .countdown, .code");
        result.rowsText.push([...cells].slice(0, 2).map((c) => { const copy = c.cloneNode(true);
          copy.querySelectorAll(".wheelchair, .visually-hidden").forEach((e) => e.remove());
          return copy.textContent.replace(/\s+/g, " ").trim(); })); }
    });
    if (result.shown.length < rows.length && rowHeight > 0) {
      result.spareRows = (lb.bottom - lastBottom) / rowHeight;   // room left for a hidden row
    }
    const name = list.querySelector(".row:not(.empty) .name");
    const line = list.querySelector(".row:not(.empty) .line");
    if (name) { result.destFont = parseFloat(getComputedStyle(name).fontSize); }
    if (line) { result.lineFont = parseFloat(getComputedStyle(line).fontSize); }
    result.shown.forEach((i) => {
      const row = rows[i];
      for (const node of textNodes(row.querySelector(".name"))) {
        const re = /[^\s\/\-]+/g; let m;
        while ((m = re.exec(node.textContent)) !== null) {
          if (linesOf(node, m.index, m.index + m[0].length) > 1) { result.brokenWords.push(m[0]); }
        }
      }
      row.querySelectorAll(".countdown, .delay, .sched, .status-text").forEach((el) => {
        for (const node of textNodes(el)) {
          if (node.textContent.trim() && linesOf(node, 0, node.textContent.length) > 1) {
            result.wrappedTimes.push(node.textContent);
          }
        }
      });
    });
  }
  return result;
})()
