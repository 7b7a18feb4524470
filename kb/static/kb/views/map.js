/* The world map of cooperation (kb/templates/kb/includes/world_map.html), on the map page
 * and the home page.
 *
 * Reads everything from the page: the API URL of the same query (data-api), the 50 m country
 * shapes of world-atlas (data-atlas), the events list and the scope to link a country to
 * (data-events, data-scope), an organisation page's URL ("__slug__" standing for the slug),
 * and two data islands: every country's name in the page's language, keyed by ISO numeric
 * code (so countries without data are named too), and the script's words. The numbers all
 * come from the API; the page's table shows the same ones, computed by the same function.
 *
 * Encoding: each country is shaded by its total (meetings as a counterpart plus agreements)
 * on a sequential ColorBrewer Blues scale in at most seven steps; countries without data are
 * light grey; hosts are hatched and outlined in vermilion (Okabe–Ito), whatever their shade.
 * What the three views share (fetching, data islands, tooltips, links) is in common.js.
 */
(function () {
  "use strict";

  const root = document.querySelector(".world-map");
  const V = window.EntenteViews;
  if (!root || !V || typeof d3 === "undefined" || typeof topojson === "undefined") return;

  const names = V.island(root.dataset.names);
  const words = V.island(root.dataset.words);
  const frame = root.querySelector(".map-frame");
  const svg = d3.select(root.querySelector("svg.map"));
  const tooltip = root.querySelector(".map-tooltip");
  const legend = root.querySelector(".map-legend");
  const bodies = root.querySelector(".map-bodies ul");
  const note = root.querySelector(".map-note");
  const WIDTH = 960;
  const ANTARCTICA = "010"; // no one there to meet: its shape would only take height
  const NO_DATA = "#e3e3e3";
  const HOST = "#b34700"; // Okabe–Ito vermilion, darkened to 3:1 against the blues and white

  Promise.all([V.getJSON(root.dataset.atlas), V.getJSON(root.dataset.api)])
    .then(([atlas, data]) => draw(atlas, data))
    .catch((error) => {
      frame.hidden = true;
      V.showNote(note, words.failed);
      throw error;
    });

  // Steps of the shading: one per value up to 7, else bounds of a 1-2-3-5 or a 1-3
  // progression, so a long tail (one country at 52, most at 1) still shows its small values.
  function steps(max) {
    if (max <= 0) return [];
    if (max <= 7) return d3.range(1, max + 1).map((n) => [n, n]);
    const series = [
      [1, 2, 3, 5],
      [1, 3],
      [1],
    ];
    for (const mantissas of series) {
      const lows = [];
      for (let power = 1; lows.length <= 8 && power <= max; power *= 10) {
        for (const m of mantissas) if (m * power <= max) lows.push(m * power);
      }
      if (lows.length <= 7) return lows.map((low, i) => [low, i + 1 < lows.length ? lows[i + 1] - 1 : max]);
    }
    return [[1, max]];
  }

  function stepLabel([low, high]) {
    return low === high ? String(low) : `${low}–${high}`;
  }

  function rowLabel(name, row) {
    if (!row) return `${name}. ${words.noData}.`;
    const parts = [
      `${words.counterpart}: ${row.counterpart_events}`,
      `${words.hosted}: ${row.hosted_events}`,
      `${words.agreements}: ${row.agreements}`,
    ];
    return `${name}. ${parts.join(". ")}.`;
  }

  function draw(atlas, data) {
    const rows = new Map(data.countries.map((row) => [row.numeric, row]));
    const features = topojson
      .feature(atlas, atlas.objects.countries)
      .features.filter((f) => f.id !== ANTARCTICA);
    const world = { type: "FeatureCollection", features: features };
    const projection = d3.geoEqualEarth().fitWidth(WIDTH, world);
    const path = d3.geoPath(projection);
    const height = Math.ceil(path.bounds(world)[1][1]) + 2;
    svg.attr("viewBox", `0 0 ${WIDTH} ${height}`);

    const bins = steps(data.max_total);
    const colours = bins.length ? d3.schemeBlues[bins.length + 2].slice(2) : [];
    function fill(row) {
      if (!row || row.total <= 0) return NO_DATA;
      const i = bins.findIndex(([low, high]) => row.total >= low && row.total <= high);
      return colours[i < 0 ? colours.length - 1 : i];
    }

    function nameOf(feature) {
      const row = rows.get(feature.id);
      return names[feature.id] || (row && row.name) || (feature.properties && feature.properties.name) || "";
    }

    function target(row) {
      // Only meetings are in the events list; a country that only hosted or signed has no link.
      if (!row || row.counterpart_events <= 0) return null;
      const params = new URLSearchParams(root.dataset.scope);
      params.set("counterpart_country", row.code);
      return `${root.dataset.events}?${params}`;
    }

    const defs = svg.append("defs");
    defs
      .append("pattern")
      .attr("id", "map-hatch")
      .attr("patternUnits", "userSpaceOnUse")
      .attr("width", 5)
      .attr("height", 5)
      .attr("patternTransform", "rotate(45)")
      .append("line")
      .attr("x1", 0)
      .attr("y1", 0)
      .attr("x2", 0)
      .attr("y2", 5)
      .attr("stroke", HOST)
      .attr("stroke-width", 2.2);

    const layer = svg.append("g").attr("class", "map-layer");

    // Countries with data last, in the API's order (the table's): drawn on top, and the
    // keyboard meets them in the order the table lists them.
    const order = new Map(data.countries.map((row, i) => [row.numeric, i]));
    const sorted = features.slice().sort((a, b) => {
      const ia = order.has(a.id) ? order.get(a.id) : -1;
      const ib = order.has(b.id) ? order.get(b.id) : -1;
      return ia - ib;
    });
    const countries = layer
      .append("g")
      .attr("class", "map-countries")
      .selectAll("path")
      .data(sorted)
      .join("path")
      .attr("d", path)
      .attr("fill", (f) => fill(rows.get(f.id)))
      .attr("data-numeric", (f) => f.id || null)
      .attr("class", (f) => {
        const row = rows.get(f.id);
        const classes = ["country"];
        if (row && row.total > 0) classes.push("has-data");
        if (row && row.host) classes.push("host");
        return classes.join(" ");
      });
    countries
      .filter((f) => rows.has(f.id))
      .attr("data-code", (f) => rows.get(f.id).code)
      .attr("tabindex", 0)
      .attr("role", (f) => (target(rows.get(f.id)) ? "link" : "img"))
      .attr("aria-label", (f) => rowLabel(nameOf(f), rows.get(f.id)));

    // Hosts: hatching and a thick outline over their shade, which still shows through.
    const hosts = features.filter((f) => rows.has(f.id) && rows.get(f.id).host);
    layer
      .append("g")
      .attr("class", "map-hosts")
      .attr("aria-hidden", "true")
      .selectAll("path")
      .data(hosts)
      .join("path")
      .attr("d", path)
      .attr("fill", "url(#map-hatch)")
      .attr("stroke", HOST);

    const highlight = layer.append("g").attr("class", "map-highlight").attr("aria-hidden", "true");

    function show(feature, event) {
      const row = rows.get(feature.id);
      const lines = row
        ? [
            `${words.counterpart}: ${row.counterpart_events}`,
            `${words.hosted}: ${row.hosted_events}`,
            `${words.agreements}: ${row.agreements}`,
          ]
        : [words.noData];
      V.fillTip(tooltip, nameOf(feature), lines);
      // Beside the pointer; for the keyboard, beside the middle of the country.
      const box = frame.getBoundingClientRect();
      let x;
      let y;
      if (event && event.clientX !== undefined && event.type.startsWith("mouse")) {
        x = event.clientX - box.left;
        y = event.clientY - box.top;
      } else {
        const shape = event.currentTarget.getBoundingClientRect();
        x = shape.left + shape.width / 2 - box.left;
        y = shape.top + shape.height / 2 - box.top;
      }
      const left = Math.max(0, Math.min(x + 12, box.width - tooltip.offsetWidth));
      const top = y + 16 + tooltip.offsetHeight > box.height ? Math.max(0, y - tooltip.offsetHeight - 8) : y + 16;
      tooltip.style.left = `${left}px`;
      tooltip.style.top = `${top}px`;
      highlight
        .selectAll("path")
        .data(["halo", "line"])
        .join("path")
        .attr("class", (d) => d)
        .attr("d", path(feature));
    }

    function hide() {
      tooltip.hidden = true;
      highlight.selectAll("path").remove();
    }

    countries.on("mouseenter mousemove", (event, f) => show(f, event)).on("mouseleave", hide);
    // Only the countries with data take the focus: Chromium makes any SVG element with a
    // focus listener a tab stop, and two hundred empty countries would be a long way round.
    // (A country without data has no link either.)
    const withData = countries.filter((f) => rows.has(f.id));
    withData.on("focus", (event, f) => show(f, event)).on("blur", hide);
    V.followOn(withData, (f) => target(rows.get(f.id)));
    countries.filter((f) => target(rows.get(f.id))).classed("linked", true);

    zoomable(layer, height);
    drawLegend(bins, colours, hosts.length > 0);
    listBodies(data.international);

    const drawn = new Set(features.map((f) => f.id));
    const missing = data.countries.filter((row) => !drawn.has(row.numeric));
    if (missing.length) {
      V.showNote(note, words.notDrawn + missing.map((row) => `${row.name} (${row.total})`).join(", "));
    }
    root.classList.add("drawn");
  }

  function zoomable(layer, height) {
    const zoom = d3
      .zoom()
      .scaleExtent([1, 12])
      .translateExtent([
        [0, 0],
        [WIDTH, height],
      ])
      // The page scrolls as usual over the map: the wheel zooms only with Ctrl (or a
      // pinch), and a finger or the mouse pans only once zoomed in.
      .filter((event) => {
        if (event.button) return false;
        if (event.type === "wheel") return event.ctrlKey || event.metaKey;
        if (event.type === "dblclick") return true;
        const k = d3.zoomTransform(svg.node()).k;
        if (event.type === "touchstart") return event.touches.length > 1 || k > 1;
        return k > 1;
      })
      .on("zoom", (event) => {
        layer.attr("transform", event.transform);
        svg.classed("zoomed", event.transform.k > 1);
      });
    svg.call(zoom);
    // d3-zoom turns off the browser's touch scrolling: give back vertical scrolling.
    svg.style("touch-action", "pan-y pinch-zoom");

    const buttons = document.createElement("div");
    buttons.className = "map-zoom";
    const make = (label, text, action) => {
      const button = document.createElement("button");
      button.type = "button";
      button.setAttribute("aria-label", label);
      button.title = label;
      button.textContent = text;
      button.addEventListener("click", action);
      buttons.append(button);
    };
    make(words.zoomIn, "+", () => svg.transition().duration(250).call(zoom.scaleBy, 2));
    make(words.zoomOut, "−", () => svg.transition().duration(250).call(zoom.scaleBy, 0.5));
    make(words.reset, "⟲", () => svg.transition().duration(250).call(zoom.transform, d3.zoomIdentity));
    frame.after(buttons);
  }

  function swatch(fillValue, hatched) {
    const ns = "http://www.w3.org/2000/svg";
    const box = document.createElementNS(ns, "svg");
    box.setAttribute("viewBox", "0 0 20 14");
    box.setAttribute("width", "20");
    box.setAttribute("height", "14");
    box.setAttribute("aria-hidden", "true");
    const rect = document.createElementNS(ns, "rect");
    rect.setAttribute("x", "1");
    rect.setAttribute("y", "1");
    rect.setAttribute("width", "18");
    rect.setAttribute("height", "12");
    rect.setAttribute("fill", fillValue);
    rect.setAttribute("stroke", "#8a8a8a");
    box.append(rect);
    if (hatched) {
      const over = rect.cloneNode();
      over.setAttribute("fill", "url(#map-hatch)");
      over.setAttribute("stroke", HOST);
      over.setAttribute("stroke-width", "2");
      box.append(over);
    }
    return box;
  }

  function drawLegend(bins, colours, hasHosts) {
    legend.replaceChildren();
    const title = document.createElement("p");
    title.className = "map-legend-title";
    title.textContent = words.legend;
    const list = document.createElement("ul");
    const entry = (fillValue, text, hatched) => {
      const item = document.createElement("li");
      item.append(swatch(fillValue, hatched), document.createTextNode(text));
      list.append(item);
    };
    bins.forEach((bin, i) => entry(colours[i], stepLabel(bin), false));
    entry(NO_DATA, words.noData, false);
    if (hasHosts) entry("#ffffff", words.host, true);
    legend.append(title, list);
  }

  function listBodies(international) {
    bodies.replaceChildren();
    if (!international.length) {
      const item = document.createElement("li");
      item.textContent = words.noBodies;
      bodies.append(item);
      return;
    }
    for (const body of international) {
      const item = document.createElement("li");
      const link = document.createElement("a");
      link.href = V.recordUrl(root.dataset.organisation, body.slug);
      link.textContent = body.name;
      const counts = document.createElement("span");
      counts.className = "meta";
      const parts = [`${words.counterpart}: ${body.counterpart_events}`];
      if (body.hosted_events) parts.push(`${words.hosted}: ${body.hosted_events}`);
      if (body.agreements) parts.push(`${words.agreements}: ${body.agreements}`);
      counts.textContent = parts.join(" · ");
      item.append(link, counts);
      bodies.append(item);
    }
  }
})();
