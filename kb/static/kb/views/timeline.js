/* The timeline page (kb:timeline): when things happened, one lane per group.
 *
 * Reads the API URL of the same query (data-api), the record pages' URL patterns
 * (data-event-url, data-agreement-url, "__slug__" standing for the slug) and the words and
 * month names in the page's language (the "timeline-words" data island). Items and counts
 * come from the API. An exact span is a solid bar (a day alone, a diamond); a `within`
 * window, where the day is known only to fall somewhere inside, is hatched with a dashed
 * outline. Zooming (wheel with Ctrl, pinch, or the buttons) rescales the time axis only.
 * What the three views share (fetching, words, tooltips, links, zoom buttons) is in common.js.
 */
(function () {
  "use strict";

  const figure = document.getElementById("timeline-figure");
  const V = window.EntenteViews;
  if (!figure || !V || typeof d3 === "undefined") return;
  const words = V.island("timeline-words");
  const canvas = figure.querySelector(".view-canvas");
  const tooltip = figure.querySelector(".view-tooltip");
  const rowsNote = document.getElementById("timeline-rows-note");
  d3.timeFormatDefaultLocale(words.locale);

  const DAY = 24 * 60 * 60 * 1000;
  const YEAR = 365.25 * DAY;
  const MAX_ROWS = 30; // sub-rows per lane; items past them are left out of the picture
  const ROW = 22;
  const BAR = 16;
  const LANE_HEAD = 26;
  const LANE_GAP = 10;
  const AXIS = 30;
  const parse = d3.timeParse("%Y-%m-%d");

  // Ticks in the page's words: "24 Nov.", "November", "2025", "12:00".
  const formatHour = d3.timeFormat("%H:%M");
  const formatDay = d3.timeFormat("%-d %b");
  const formatMonth = d3.timeFormat("%B");
  const formatYear = d3.timeFormat("%Y");
  function tickFormat(date) {
    if (d3.timeDay(date) < date) return formatHour(date);
    if (d3.timeMonth(date) < date) return formatDay(date);
    if (d3.timeYear(date) < date) return formatMonth(date);
    return formatYear(date);
  }

  function recordUrl(item) {
    const pattern = figure.dataset[item.type === "agreement" ? "agreementUrl" : "eventUrl"];
    return V.recordUrl(pattern, item.slug);
  }

  V.drawFrom(figure.dataset.api, canvas, words.failed, draw);

  // Items of one lane into sub-rows, first come first placed, so that none overlaps another
  // on screen at the first zoom: `extent(item)` is its [left, right] in pixels, mark included.
  function pack(items, extent) {
    const rowEnds = [];
    const left = [];
    const placed = items.map((item) => [item, ...extent(item)]);
    placed.sort((a, b) => a[1] - b[1] || a[2] - b[2]);
    for (const [item, from, to] of placed) {
      let row = rowEnds.findIndex((end) => end <= from);
      if (row === -1 && rowEnds.length < MAX_ROWS) {
        row = rowEnds.length;
        rowEnds.push(-Infinity);
      }
      if (row === -1) {
        left.push(item);
        continue;
      }
      rowEnds[row] = to + 2;
      item.row = row;
    }
    return { rows: rowEnds.length, left: left };
  }

  function draw(data) {
    canvas.textContent = "";
    const items = data.items
      .map((item) => {
        const from = parse(item.start);
        const last = parse(item.end || item.start);
        return Object.assign({}, item, {
          from: from,
          to: d3.timeDay.offset(last, 1), // the end day is part of the window
          oneDay: +from === +last,
        });
      })
      .filter((item) => item.from && item.to);
    if (!items.length) {
      V.notice(canvas, words.empty, false);
      return;
    }

    const width = V.canvasWidth(canvas);
    const margin = { left: 24, right: 24 }; // room for the end ticks' labels
    const first = d3.min(items, (item) => item.from);
    const last = d3.max(items, (item) => item.to);
    const pad = Math.max((last - first) * 0.05, DAY / 2);
    const x0 = d3
      .scaleTime()
      .domain([new Date(+first - pad), new Date(+last + pad)])
      .range([margin.left, width - margin.right]);
    const span = x0.domain()[1] - x0.domain()[0];
    let x = x0;
    const isDay = (item) => item.oneDay && item.precision === "exact";
    const extent = (item) => {
      const from = x0(item.from);
      const to = x0(item.to);
      if (isDay(item)) return [(from + to) / 2 - 9, (from + to) / 2 + 9];
      return [from, Math.max(to, from + 3)];
    };

    const lanes = data.groups.map((group) => ({
      slug: group.slug,
      name: group.name,
      count: group.count,
      items: items.filter((item) => item.group === group.slug),
    }));
    let y = AXIS;
    let leftOut = 0;
    for (const lane of lanes) {
      const packed = pack(lane.items, extent);
      lane.items = lane.items.filter((item) => item.row !== undefined);
      leftOut += packed.left.length;
      lane.y = y;
      lane.height = LANE_HEAD + Math.max(1, packed.rows) * ROW + LANE_GAP;
      y += lane.height;
    }
    const height = y + AXIS;
    const drawn = lanes.flatMap((lane) => lane.items.map((item) => Object.assign(item, { lane })));

    if (leftOut) {
      V.showNote(rowsNote, V.counted(words.rows_left_out, leftOut, { rows: MAX_ROWS }));
    }

    const svg = V.picture(canvas, width, height, words.picture);
    const defs = svg.append("defs");
    for (const type of ["event", "agreement"]) {
      const pattern = defs
        .append("pattern")
        .attr("id", `timeline-hatch-${type}`)
        .attr("class", `hatch hatch-${type}`)
        .attr("patternUnits", "userSpaceOnUse")
        .attr("width", 6)
        .attr("height", 6)
        .attr("patternTransform", "rotate(45)");
      pattern.append("rect").attr("class", "hatch-ground").attr("width", 6).attr("height", 6);
      pattern
        .append("line")
        .attr("class", "hatch-line")
        .attr("x1", 0)
        .attr("y1", 0)
        .attr("x2", 0)
        .attr("y2", 6);
    }
    const plot = svg.append("clipPath").attr("id", "timeline-plot");
    plot
      .append("rect")
      .attr("x", margin.left)
      .attr("y", 0)
      .attr("width", width - margin.left - margin.right)
      .attr("height", height);

    const laneGroups = svg
      .append("g")
      .attr("class", "timeline-lanes")
      .selectAll("g")
      .data(lanes)
      .join("g")
      .attr("class", (lane, i) => `timeline-lane${i % 2 ? " is-odd" : ""}`)
      .attr("data-group", (lane) => lane.slug);
    laneGroups
      .append("rect")
      .attr("class", "lane-band")
      .attr("x", 0)
      .attr("y", (lane) => lane.y)
      .attr("width", width)
      .attr("height", (lane) => lane.height - LANE_GAP / 2);
    laneGroups
      .append("text")
      .attr("class", "lane-name")
      .attr("x", margin.left + 2)
      .attr("y", (lane) => lane.y + 18)
      .text((lane) => `${lane.name} (${V.counted(words.items, lane.count)})`);

    const axisTop = svg
      .append("g")
      .attr("class", "timeline-axis axis-top")
      .attr("transform", `translate(0,${AXIS - 4})`);
    const axisBottom = svg
      .append("g")
      .attr("class", "timeline-axis axis-bottom")
      .attr("transform", `translate(0,${height - AXIS + 4})`);

    const marks = svg
      .append("g")
      .attr("class", "timeline-items")
      .attr("clip-path", "url(#timeline-plot)")
      .selectAll("g")
      .data(drawn)
      .join("g")
      .attr("class", (item) => {
        const day = isDay(item) ? " is-day" : "";
        return `timeline-item type-${item.type} precision-${item.precision}${day}`;
      })
      .attr("data-slug", (item) => item.slug)
      .attr("data-type", (item) => item.type)
      .attr("tabindex", 0)
      .attr("role", "link")
      .attr("aria-label", (item) =>
        V.say(words.item_label, { name: item.name, date: item.label, lane: item.lane.name })
      );
    const top = (item) => item.lane.y + LANE_HEAD + item.row * ROW;
    const bars = marks.filter((item) => !isDay(item));
    const days = marks.filter(isDay);
    const barRects = bars
      .append("rect")
      .attr("class", "item-mark")
      .attr("y", top)
      .attr("height", BAR)
      .attr("rx", 2)
      .attr("fill", (item) =>
        item.precision === "within" ? `url(#timeline-hatch-${item.type})` : null
      );
    const dayMarks = days
      .append("path")
      .attr("class", "item-mark")
      .attr("d", d3.symbol(d3.symbolDiamond, 130));
    // The label, cut at the bar's end: an inner <svg> clips what overflows it.
    const labelBoxes = marks
      .append("svg")
      .attr("class", "item-text")
      .attr("y", top)
      .attr("height", BAR);
    labelBoxes
      .append("text")
      .attr("x", 4)
      .attr("y", BAR / 2)
      .attr("dy", "0.35em")
      .text((item) => `${item.name} · ${item.label}`);

    function render() {
      const ticks = Math.max(2, Math.floor(width / 160));
      axisTop.call(d3.axisTop(x).ticks(ticks).tickFormat(tickFormat));
      axisBottom.call(d3.axisBottom(x).ticks(ticks).tickFormat(tickFormat));
      barRects
        .attr("x", (item) => x(item.from))
        .attr("width", (item) => Math.max(3, x(item.to) - x(item.from)));
      dayMarks.attr("transform", (item) => {
        const middle = (x(item.from) + x(item.to)) / 2;
        return `translate(${middle},${top(item) + BAR / 2})`;
      });
      labelBoxes
        .attr("x", (item) => (isDay(item) ? (x(item.from) + x(item.to)) / 2 + 8 : x(item.from)))
        .attr("width", (item) => {
          const room = x(item.to) - x(item.from);
          return Math.max(0, isDay(item) ? room / 2 - 8 : room);
        });
      svg.attr("data-domain", x.domain().map((d) => d.toISOString().slice(0, 10)).join("/"));
    }

    V.followOn(marks, recordUrl);

    // The tooltip, on hover and on focus, from the start of the bar.
    function showTip(item, element) {
      V.fillTip(tooltip, item.name, [item.label, item.lane.name]);
      V.tipAbove(tooltip, figure, element, { gap: 6 });
    }
    function hideTip() {
      tooltip.hidden = true;
    }
    V.tipOn(marks, showTip, hideTip);

    // Time zooms from several decades down to one day across the whole width.
    const zoom = d3
      .zoom()
      .scaleExtent([Math.min(1, span / (60 * YEAR)), Math.max(1, span / DAY)])
      .extent([
        [margin.left, 0],
        [width - margin.right, height],
      ])
      // The picture is taller than a screen: the wheel must scroll past it.
      .filter(V.wheelWithCtrl)
      .on("zoom", (event) => {
        x = event.transform.rescaleX(x0);
        hideTip();
        render();
      });
    svg.call(zoom);
    render();

    V.zoomButtons(figure, (action) => {
      // A quarter of the width, in the units translateBy scales by the zoom.
      const step = (width - margin.left - margin.right) / 4 / d3.zoomTransform(svg.node()).k;
      if (action === "in") svg.call(zoom.scaleBy, 2);
      else if (action === "out") svg.call(zoom.scaleBy, 0.5);
      else if (action === "earlier") svg.call(zoom.translateBy, step, 0);
      else if (action === "later") svg.call(zoom.translateBy, -step, 0);
      else svg.call(zoom.transform, d3.zoomIdentity);
    });
    figure.classList.add("is-drawn");
  }
})();
