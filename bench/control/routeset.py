"""Generated Gateway API configurations for the control-plane benchmarks.

One directory per run: the cluster objects (GatewayClass, Namespace, one
Gateway with an HTTP listener), the Services with their EndpointSlices, and
one file per HTTPRoute, as a GitOps repository or a ConfigMap volume would
hold them, so a route change is a one-file change.

Route i: hostname h{i % hosts}.bench.test, PathPrefix /r{i}/, two weighted
backendRefs (Services i % services and (i + 1) % services), every Service
with two ready endpoints. Standard library only.
"""

import os

NAMESPACE = "bench"


def host_of(i, hosts):
    return f"h{i % hosts}.bench.test"


def cluster_yaml(port, controller):
    return f"""apiVersion: gateway.networking.k8s.io/v1
kind: GatewayClass
metadata:
  name: bench
spec:
  controllerName: {controller}
---
apiVersion: v1
kind: Namespace
metadata:
  name: {NAMESPACE}
---
apiVersion: gateway.networking.k8s.io/v1
kind: Gateway
metadata:
  name: bench
  namespace: {NAMESPACE}
spec:
  gatewayClassName: bench
  listeners:
  - name: http
    protocol: HTTP
    port: {port}
    allowedRoutes:
      namespaces:
        from: Same
"""


def services_yaml(count, backend_port):
    """Services svc0.. each with two ready endpoints (127.0.0.1 and
    127.0.0.2, the same backend process listening on both)."""
    docs = []
    for s in range(count):
        docs.append(f"""apiVersion: v1
kind: Service
metadata:
  name: svc{s}
  namespace: {NAMESPACE}
spec:
  ports:
  - name: http
    port: 80
---
apiVersion: discovery.k8s.io/v1
kind: EndpointSlice
metadata:
  name: svc{s}
  namespace: {NAMESPACE}
  labels:
    kubernetes.io/service-name: svc{s}
addressType: IPv4
endpoints:
- addresses: [127.0.0.1]
  conditions: {{ready: true}}
- addresses: [127.0.0.2]
  conditions: {{ready: true}}
ports:
- name: http
  port: {backend_port}
""")
    return "---\n".join(docs)


def route_yaml(name, host, paths, services, svc_index, header_value=None):
    """One HTTPRoute; `paths` are PathPrefix matches of its one rule."""
    s1 = svc_index % services
    s2 = (svc_index + 1) % services
    matches = "".join(f"""    - path:
        type: PathPrefix
        value: {p}
""" for p in paths)
    filters = ""
    if header_value is not None:
        filters = f"""    filters:
    - type: RequestHeaderModifier
      requestHeaderModifier:
        set:
        - name: x-bench-version
          value: "{header_value}"
"""
    return f"""apiVersion: gateway.networking.k8s.io/v1
kind: HTTPRoute
metadata:
  name: {name}
  namespace: {NAMESPACE}
spec:
  parentRefs:
  - name: bench
  hostnames:
  - {host}
  rules:
  - matches:
{matches}{filters}    backendRefs:
    - name: svc{s1}
      port: 80
      weight: 3
    - name: svc{s2}
      port: 80
      weight: 1
"""


def write_atomic(path, text):
    """Writes through a temporary name the watcher ignores, then renames:
    the reader never sees half a file (what kubectl-less GitOps tools and
    ConfigMap volumes do too)."""
    tmp = path + ".tmp~"
    with open(tmp, "w") as f:
        f.write(text)
    os.rename(tmp, path)


class RouteSet:
    def __init__(self, root, routes, hosts=100, services=None, port=18500,
                 backend_port=18581, controller="portico.dev/gateway-controller"):
        self.root = root
        self.routes = routes
        self.hosts = hosts
        self.services = services or max(10, routes // 20)
        self.port = port
        self.backend_port = backend_port
        self.controller = controller
        self.route_dir = os.path.join(root, "routes")

    def route_path(self, name):
        return os.path.join(self.route_dir, name + ".yaml")

    def write(self):
        os.makedirs(self.route_dir, exist_ok=True)
        with open(os.path.join(self.root, "00-cluster.yaml"), "w") as f:
            f.write(cluster_yaml(self.port, self.controller))
        with open(os.path.join(self.root, "10-services.yaml"), "w") as f:
            f.write(services_yaml(self.services, self.backend_port))
        for i in range(self.routes):
            with open(self.route_path(f"r{i}"), "w") as f:
                f.write(self.route(i))

    def route(self, i, extra_paths=(), header_value=None, name=None):
        return route_yaml(name or f"r{i}", host_of(i, self.hosts), [f"/r{i}/", *extra_paths],
                          self.services, i, header_value)
