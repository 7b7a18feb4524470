/* The network page (kb:network): who is linked to whom, drawn with d3-force in SVG.
 *
 * Reads everything from the page: the API URL of the same query (data-api), the record
 * pages' URL patterns (data-organisation-url, data-person-url, "__slug__" standing for the
 * slug), and the words and names in the page's language (the "network-words" data island).
 * The numbers all come from the API. The layout is computed ahead, in a bounded number of
 * ticks, and then drawn once: the browser never runs an open-ended simulation. What the
 * three views share (fetching, words, tooltips, links, zoom buttons) is in common.js.
 */
(function () {
  "use strict";

  const figure = document.getElementById("network-figure");
  const V = window.EntenteViews;
  if (!figure || !V || typeof d3 === "undefined") return;
  const { counted, say } = V;
  const words = V.island("network-words");
  const canvas = figure.querySelector(".view-canvas");
  const tooltip = figure.querySelector(".view-tooltip");
  const status = document.getElementById("network-status");
  const omittedNote = document.getElementById("network-omitted");

  // How long the layout may run: all its ticks for a small graph, fewer for a big one.
  const FULL_TICKS = 300;
  const MIN_TICKS = 40;
  const TICK_BUDGET = 300 * 300; // ticks x nodes
  const LABELLED = 6; // the best-connected nodes get a visible name

  function recordUrl(node) {
    const pattern = figure.dataset[node.type === "person" ? "personUrl" : "organisationUrl"];
    return V.recordUrl(pattern, node.slug);
  }

  function whereabouts(node) {
    if (node.type === "person") return words.person;
    if (!node.country) return words.international;
    const country = words.countries[node.country] || node.country;
    const region = words.regions[node.region];
    return region ? `${country}, ${region}` : country;
  }

  function nodeLabel(node) {
    return say(words.node_label, {
      name: node.name,
      where: whereabouts(node),
      degree: counted(words.degree, node.degree),
    });
  }

  function edgeLabel(edge) {
    return say(words.edge_label, {
      ends: `${edge.source.name} – ${edge.target.name}`,
      count: counted(words.kinds[edge.kind], edge.weight),
    });
  }

  function regionClass(node) {
    if (node.type === "person") return "kb-person";
    return node.region ? `kb-region-${node.region}` : "kb-region-none";
  }

  V.drawFrom(figure.dataset.api, canvas, words.failed, draw);

  function draw(data) {
    const nodes = data.nodes.map((n) => Object.assign({}, n));
    const byId = new Map(nodes.map((n) => [n.id, n]));
    const edges = data.edges
      .filter((e) => byId.has(e.source) && byId.has(e.target))
      .map((e) => Object.assign({}, e));

    if (data.omitted_nodes > 0) {
      V.showNote(
        omittedNote,
        counted(words.omitted, data.omitted_nodes, { total: data.total_nodes, shown: nodes.length })
      );
    }
    canvas.textContent = "";
    if (!nodes.length) {
      V.notice(canvas, words.empty, false);
      return;
    }

    const width = V.canvasWidth(canvas);
    const height = Math.round(Math.min(720, Math.max(380, width * 0.7)));
    const maxDegree = d3.max(nodes, (n) => n.degree) || 1;
    const radius = d3.scaleSqrt().domain([0, maxDegree]).range([3, width < 500 ? 12 : 16]);
    const maxWeight = d3.max(edges, (e) => e.weight) || 1;
    const strokeWidth = d3.scaleSqrt().domain([1, Math.max(2, maxWeight)]).range([1, 6]);

    // The layout, computed before anything is drawn, in at most FULL_TICKS ticks.
    const ticks = Math.max(MIN_TICKS, Math.min(FULL_TICKS, Math.floor(TICK_BUDGET / nodes.length)));
    const simulation = d3
      .forceSimulation(nodes)
      .force(
        "link",
        d3
          .forceLink(edges)
          .id((n) => n.id)
          .distance((e) => 30 + radius(e.source.degree) + radius(e.target.degree))
      )
      .force("charge", d3.forceManyBody().strength(-60).distanceMax(400))
      // A square reaches further than its circle: people get room for their corners.
      .force(
        "collide",
        d3.forceCollide((n) => radius(n.degree) * (n.type === "person" ? 1.45 : 1) + 2)
      )
      .force("x", d3.forceX(width / 2).strength(0.05))
      .force("y", d3.forceY(height / 2).strength(0.05))
      .alphaDecay(1 - Math.pow(0.001, 1 / ticks))
      .stop();
    for (let i = 0; i < ticks; i += 1) simulation.tick();

    const svg = V.picture(canvas, width, height, words.picture);
    const world = svg.append("g").attr("class", "network-world");

    const edgeGroups = world
      .append("g")
      .attr("class", "network-edges")
      .selectAll("g")
      .data(edges)
      .join("g")
      .attr("class", (e) => `network-edge kind-${e.kind}`)
      .attr("data-source", (e) => e.source.id)
      .attr("data-target", (e) => e.target.id)
      .attr("data-weight", (e) => e.weight);
    edgeGroups.append("title").text(edgeLabel);
    const edgeLines = edgeGroups
      .append("line")
      .attr("class", "edge-line")
      .attr("stroke-width", (e) => strokeWidth(e.weight) + (e.kind === "agreement" ? 2 : 0));
    // A wider, invisible line over each edge: a thin one is hard to hover.
    const edgeHits = edgeGroups.append("line").attr("class", "edge-hit");

    const order = nodes.slice().sort((a, b) => b.degree - a.degree || a.name.localeCompare(b.name));
    // Names shown at all times: the few best linked, when they stand out from the rest.
    const labelled = new Set(
      order
        .filter(
          (n, i) =>
            i < LABELLED && (nodes.length <= 12 || n.degree >= Math.max(2, maxDegree / 3))
        )
        .map((n) => n.id)
    );

    const nodeGroups = world
      .append("g")
      .attr("class", "network-nodes")
      .selectAll("g")
      .data(order.slice().reverse()) // the biggest drawn last, on top
      .join("g")
      .attr("class", (n) => `network-node ${regionClass(n)}`)
      .attr("data-id", (n) => n.id)
      .attr("data-degree", (n) => n.degree)
      .attr("tabindex", 0)
      .attr("role", "link")
      .attr("aria-label", nodeLabel);
    nodeGroups
      .filter((n) => n.type === "person")
      .append("rect")
      .attr("class", "node-mark")
      .attr("x", (n) => -radius(n.degree))
      .attr("y", (n) => -radius(n.degree))
      .attr("width", (n) => 2 * radius(n.degree))
      .attr("height", (n) => 2 * radius(n.degree));
    nodeGroups
      .filter((n) => n.type !== "person")
      .append("circle")
      .attr("class", "node-mark")
      .attr("r", (n) => radius(n.degree));
    const labels = nodeGroups
      .append("text")
      .attr("class", "node-label")
      .text((n) => n.name)
      .classed("is-shown", (n) => labelled.has(n.id));

    function place() {
      nodeGroups.attr("transform", (n) => `translate(${n.x},${n.y})`);
      for (const lines of [edgeLines, edgeHits]) {
        lines
          .attr("x1", (e) => e.source.x)
          .attr("y1", (e) => e.source.y)
          .attr("x2", (e) => e.target.x)
          .attr("y2", (e) => e.target.y);
      }
    }
    place();

    V.followOn(nodeGroups, recordUrl);

    // The tooltip, on hover and on focus, centred over the node.
    function showTip(node, element) {
      V.fillTip(tooltip, node.name, [whereabouts(node), counted(words.degree, node.degree)]);
      V.tipAbove(tooltip, figure, element, { centred: true, gap: 8 });
    }
    function hideTip() {
      tooltip.hidden = true;
    }
    V.tipOn(nodeGroups, showTip, hideTip);

    // Dragging moves the node and its edges; the layout does not run again.
    nodeGroups.call(
      d3
        .drag()
        .on("start", hideTip)
        .on("drag", function (event, n) {
          n.x = event.x;
          n.y = event.y;
          place();
        })
    );

    // Zoom and pan, by wheel and drag, and by the buttons for keyboard users.
    const zoom = d3
      .zoom()
      .scaleExtent([0.1, 8])
      .filter(V.wheelWithCtrl)
      .on("zoom", (event) => {
        world.attr("transform", event.transform);
        setLabels(event.transform.k);
        hideTip();
      });
    svg.call(zoom);

    function fitted() {
      const pad = 30;
      const x0 = d3.min(nodes, (n) => n.x - radius(n.degree)) - pad;
      const x1 = d3.max(nodes, (n) => n.x + radius(n.degree)) + pad;
      const y0 = d3.min(nodes, (n) => n.y - radius(n.degree)) - pad;
      const y1 = d3.max(nodes, (n) => n.y + radius(n.degree)) + pad;
      const k = Math.min(3, width / (x1 - x0), height / (y1 - y0));
      return d3.zoomIdentity
        .translate(width / 2, height / 2)
        .scale(k)
        .translate(-(x0 + x1) / 2, -(y0 + y1) / 2);
    }
    // Labels keep their size on screen whatever the zoom; each shown one goes above its
    // mark, or below, right or left of it, wherever it overlaps no label placed before.
    const LABEL_PX = 12;
    const GAP_PX = 3;
    const sides = new Map();
    function placeLabels(k) {
      const boxes = [];
      for (const n of order) {
        if (!labelled.has(n.id)) continue;
        const w = (n.name.length * LABEL_PX * 0.58) / k;
        const h = (LABEL_PX * 1.2) / k;
        const r = radius(n.degree) + GAP_PX / k;
        const candidates = {
          above: [n.x - w / 2, n.y - r - h],
          below: [n.x - w / 2, n.y + r],
          right: [n.x + r, n.y - h / 2],
          left: [n.x - r - w, n.y - h / 2],
        };
        let chosen = "above";
        for (const [side, [x, y]] of Object.entries(candidates)) {
          const clash = boxes.some((b) => x < b[2] && x + w > b[0] && y < b[3] && y + h > b[1]);
          if (!clash) {
            chosen = side;
            break;
          }
        }
        const [x, y] = candidates[chosen];
        boxes.push([x, y, x + w, y + h]);
        sides.set(n.id, chosen);
      }
    }
    function setLabels(k) {
      labels
        .style("font-size", `${LABEL_PX / k}px`)
        .style("stroke-width", `${3.5 / k}px`)
        .each(function (n) {
          const side = sides.get(n.id) || "above";
          const r = radius(n.degree) + GAP_PX / k;
          const label = d3.select(this);
          if (side === "above" || side === "below") {
            label
              .attr("text-anchor", "middle")
              .attr("x", 0)
              .attr("y", side === "above" ? -r : r)
              .attr("dy", side === "above" ? "-0.3em" : "0.95em");
          } else {
            label
              .attr("text-anchor", side === "right" ? "start" : "end")
              .attr("x", side === "right" ? r : -r)
              .attr("y", 0)
              .attr("dy", "0.35em");
          }
        });
    }

    const home = fitted();
    placeLabels(home.k);
    svg.call(zoom.transform, home);

    V.zoomButtons(figure, (action) => {
      if (action === "in") svg.call(zoom.scaleBy, 1.5);
      else if (action === "out") svg.call(zoom.scaleBy, 1 / 1.5);
      else svg.call(zoom.transform, home);
    });

    // Finding a node by name (either language) or by its country's name.
    const form = figure.querySelector(".network-search");
    const input = form && form.querySelector("input");
    const choices = document.getElementById("network-names");
    if (choices) {
      for (const n of nodes.slice().sort((a, b) => a.name.localeCompare(b.name))) {
        const option = document.createElement("option");
        option.value = n.name;
        choices.appendChild(option);
      }
    }
    const haystacks = new Map(
      nodes.map((n) => {
        const names = [n.name, ...Object.values(n.names || {})];
        if (n.country) names.push(words.countries[n.country] || "", n.country);
        return [n.id, names.map(V.fold)];
      })
    );

    function find(query) {
      const needle = V.fold(query.trim());
      if (!needle) return [];
      // An exact name first, then names that contain the text.
      const exact = nodes.filter((n) => haystacks.get(n.id).includes(needle));
      if (exact.length) return exact;
      return nodes.filter((n) => haystacks.get(n.id).some((h) => h.includes(needle)));
    }

    function highlight(query, centre) {
      const found = find(query);
      const ids = new Set(found.map((n) => n.id));
      const searching = query.trim() !== "";
      nodeGroups
        .classed("is-match", (n) => ids.has(n.id))
        .classed("is-dimmed", (n) => searching && !ids.has(n.id));
      edgeGroups.classed(
        "is-dimmed",
        (e) => searching && !ids.has(e.source.id) && !ids.has(e.target.id)
      );
      if (!searching) {
        status.textContent = "";
        return;
      }
      if (!found.length) {
        status.textContent = words.no_match;
        return;
      }
      const names = found.slice(0, 5).map((n) => n.name).join(", ");
      status.textContent = counted(words.matches, found.length, {
        names: found.length > 5 ? `${names}…` : names,
      });
      if (centre) {
        const best = found.slice().sort((a, b) => b.degree - a.degree)[0];
        const k = Math.max(d3.zoomTransform(svg.node()).k, 1);
        svg.call(
          zoom.transform,
          d3.zoomIdentity
            .translate(width / 2, height / 2)
            .scale(k)
            .translate(-best.x, -best.y)
        );
      }
    }

    if (form && input) {
      form.hidden = false;
      input.addEventListener("input", () => highlight(input.value, true));
      form.addEventListener("submit", (event) => {
        event.preventDefault();
        highlight(input.value, true);
      });
    }
    figure.classList.add("is-drawn");
  }
})();
