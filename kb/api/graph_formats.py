"""The graph's other forms: GEXF 1.3 (Gephi) and GraphML (yEd, Cytoscape, networkx), written
with the standard library, and its JSON written by orjson straight from the domain's
dataclasses. All give the same nodes, edges, kinds and weights; GraphSerializer
(kb/api/cooperation.py) stays the schema, and tests/api/test_dataclass_json.py compares the bytes.
"""

from xml.etree import ElementTree

from rest_framework.renderers import BaseRenderer

from .renderers import DataclassJSONRenderer


def graph_json(graph):
    """GraphSerializer's representation of a domain Graph, built without its fields.

    as_json() (or the serializer) visits every value of every edge: most of a
    large graph's time. This writes the same keys, in the same order, with the
    same values (tests/api/test_dataclass_json.py compares the bytes with the
    serializer's, on the article's graph and on random ones); GraphSerializer
    stays the schema. The GEXF and GraphML renderers read it; the JSON one
    writes the dataclasses themselves (GraphJSONRenderer).
    """
    return {
        "nodes": [
            {
                "id": node.id,
                "type": node.type,
                "slug": node.slug,
                "name": node.name,
                "names": {"en": node.names["en"], "fr": node.names["fr"]},
                "country": node.country,
                "region": node.region,
                "degree": node.degree,
            }
            for node in graph.nodes
        ],
        "edges": [
            {
                "source": edge.source,
                "target": edge.target,
                "kind": edge.kind,
                "weight": edge.weight,
                "records": edge.records,
                "total": edge.total,
            }
            for edge in graph.edges
        ],
        "total_nodes": graph.total_nodes,
        "omitted_nodes": graph.omitted_nodes,
        "max_nodes": graph.max_nodes,
        "total_events": graph.total_events,
        "omitted_events": graph.omitted_events,
        "total_agreements": graph.total_agreements,
        "omitted_agreements": graph.omitted_agreements,
        "max_records": graph.max_records,
    }


# --- GEXF and GraphML ---------------------------------------------------------------------

NODE_ATTRIBUTES = (
    ("type", "string"),
    ("slug", "string"),
    ("name_en", "string"),
    ("name_fr", "string"),
    ("country", "string"),
    ("region", "string"),
    ("degree", "integer"),
)
EDGE_ATTRIBUTES = (("kind", "string"), ("records", "string"), ("total", "integer"))


def _node_values(node):
    names = node["names"]
    return {
        **node,
        "name_en": names.get("en") or "",
        "name_fr": names.get("fr") or "",
    }


def _edge_values(edge):
    # Slugs hold no spaces: one space-separated string, as both formats want scalars.
    return {**edge, "records": " ".join(edge["records"])}


def _xml(root):
    ElementTree.indent(root)
    return ElementTree.tostring(root, encoding="UTF-8", xml_declaration=True)


class GraphXMLRenderer(BaseRenderer):
    charset = None  # XML declares its own encoding
    extension = None

    def render(self, data, accepted_media_type=None, renderer_context=None):
        if data is None:
            return b""
        return self.write(data)


class GEXFRenderer(GraphXMLRenderer):
    """GEXF 1.3: undirected edges with their weight, `kind` as an edge attribute."""

    media_type = "application/gexf+xml"
    format = "gexf"
    extension = "gexf"
    NS = "http://gexf.net/1.3"

    def write(self, data):
        root = ElementTree.Element("gexf", xmlns=self.NS, version="1.3")
        meta = ElementTree.SubElement(root, "meta")
        ElementTree.SubElement(meta, "creator").text = "Entente"
        graph = ElementTree.SubElement(root, "graph", defaultedgetype="undirected", mode="static")
        for klass, attributes in (("node", NODE_ATTRIBUTES), ("edge", EDGE_ATTRIBUTES)):
            declared = ElementTree.SubElement(graph, "attributes", {"class": klass})
            for name, kind in attributes:
                ElementTree.SubElement(declared, "attribute", id=name, title=name, type=kind)
        nodes = ElementTree.SubElement(graph, "nodes")
        for node in data["nodes"]:
            element = ElementTree.SubElement(nodes, "node", id=node["id"], label=node["name"])
            self._values(element, _node_values(node), NODE_ATTRIBUTES)
        edges = ElementTree.SubElement(graph, "edges")
        for number, edge in enumerate(data["edges"]):
            element = ElementTree.SubElement(
                edges,
                "edge",
                id=str(number),
                source=edge["source"],
                target=edge["target"],
                label=edge["kind"],
                weight=str(edge["weight"]),
            )
            self._values(element, _edge_values(edge), EDGE_ATTRIBUTES)
        return _xml(root)

    @staticmethod
    def _values(element, values, attributes):
        holder = ElementTree.SubElement(element, "attvalues")
        for name, _kind in attributes:
            ElementTree.SubElement(holder, "attvalue", {"for": name, "value": str(values[name])})


class GraphMLRenderer(GraphXMLRenderer):
    """GraphML: undirected, every field a typed <data> key, `weight` among them."""

    media_type = "application/graphml+xml"
    format = "graphml"
    extension = "graphml"
    NS = "http://graphml.graphdrawing.org/xmlns"
    TYPES = {"string": "string", "integer": "int"}

    def write(self, data):
        root = ElementTree.Element("graphml", xmlns=self.NS)
        node_keys = (("name", "string"), *NODE_ATTRIBUTES)
        edge_keys = (("weight", "integer"), *EDGE_ATTRIBUTES)
        for klass, keys in (("node", node_keys), ("edge", edge_keys)):
            for name, kind in keys:
                ElementTree.SubElement(
                    root,
                    "key",
                    {
                        "id": f"{klass}_{name}",
                        "for": klass,
                        "attr.name": name,
                        "attr.type": self.TYPES[kind],
                    },
                )
        graph = ElementTree.SubElement(root, "graph", id="cooperation", edgedefault="undirected")
        for node in data["nodes"]:
            element = ElementTree.SubElement(graph, "node", id=node["id"])
            self._values(element, "node", _node_values(node), node_keys)
        for number, edge in enumerate(data["edges"]):
            element = ElementTree.SubElement(
                graph, "edge", id=f"e{number}", source=edge["source"], target=edge["target"]
            )
            self._values(element, "edge", _edge_values(edge), edge_keys)
        return _xml(root)

    @staticmethod
    def _values(element, klass, values, keys):
        for name, _kind in keys:
            ElementTree.SubElement(element, "data", key=f"{klass}_{name}").text = str(values[name])


class GraphJSONRenderer(DataclassJSONRenderer):
    """The graph's JSON from its dataclasses; an indented one from graph_json()."""

    def plain(self, value):
        return graph_json(value)


# --- Views --------------------------------------------------------------------------------
