// The configurations the dashboard test serves, written into a temporary
// directory: the quickstart with a broken route, and 1,000 routes.
import fs from 'node:fs';
import path from 'node:path';

// The quickstart on free ports, plus an HTTPRoute in namespace shop whose
// backendRef crosses into default without a ReferenceGrant, and a Gateway
// "idle" whose listener (on idlePort) has no route: a listener finding
// (PD-LISTENER-NO-ROUTES) for the graph to show on the listener's node.
export function quickstartConfig(tmp, source, gatewayPort, echo1, echo2, idlePort) {
  const dir = path.join(tmp, 'quickstart');
  fs.mkdirSync(dir);
  const src = path.join(source, 'examples/quickstart');
  for (const f of fs.readdirSync(src)) {
    const text = fs.readFileSync(path.join(src, f), 'utf8')
      .replace(/port: 8080\b/g, `port: ${gatewayPort}`)
      .replace(/port: 9001\b/g, `port: ${echo1}`).replace(/port: 9002\b/g, `port: ${echo2}`);
    fs.writeFileSync(path.join(dir, f), text);
  }
  fs.writeFileSync(path.join(dir, '90-broken.yaml'), `apiVersion: v1
kind: Namespace
metadata:
  name: shop
---
apiVersion: gateway.networking.k8s.io/v1
kind: HTTPRoute
metadata:
  name: shop
  namespace: shop
spec:
  parentRefs:
  - name: quickstart
    namespace: default
  hostnames:
  - shop.example.com
  rules:
  - backendRefs:
    - name: echo-v1
      namespace: default
      port: 80
`);
  fs.writeFileSync(path.join(dir, '91-idle.yaml'), `apiVersion: gateway.networking.k8s.io/v1
kind: Gateway
metadata:
  name: idle
  namespace: default
spec:
  gatewayClassName: portico
  listeners:
  - name: spare
    protocol: HTTP
    port: ${idlePort}
`);
  return dir;
}

// 1,000 HTTPRoutes over 10 namespaces and 20 Services; every 100th one
// points at a Service that does not exist.
export function largeConfig(tmp, gatewayPort) {
  const dir = path.join(tmp, 'large');
  fs.mkdirSync(dir);
  const docs = [`apiVersion: gateway.networking.k8s.io/v1
kind: GatewayClass
metadata:
  name: portico
spec:
  controllerName: portico.dev/gateway-controller`, `apiVersion: gateway.networking.k8s.io/v1
kind: Gateway
metadata:
  name: big
  namespace: default
spec:
  gatewayClassName: portico
  listeners:
  - name: http
    protocol: HTTP
    port: ${gatewayPort}
    allowedRoutes:
      namespaces:
        from: All`, 'apiVersion: v1\nkind: Namespace\nmetadata:\n  name: default'];
  for (let n = 0; n < 10; n++) {
    docs.push(`apiVersion: v1\nkind: Namespace\nmetadata:\n  name: ns-${n}`);
    for (let s = 0; s < 2; s++) {
      docs.push(`apiVersion: v1
kind: Service
metadata:
  name: svc-${s}
  namespace: ns-${n}
spec:
  ports:
  - name: http
    port: 80
    targetPort: ${9000 + s}`, `apiVersion: discovery.k8s.io/v1
kind: EndpointSlice
metadata:
  name: svc-${s}
  namespace: ns-${n}
  labels:
    kubernetes.io/service-name: svc-${s}
addressType: IPv4
endpoints:
- addresses:
  - 127.0.0.${n + 2}
  conditions:
    ready: true
ports:
- name: http
  port: ${9000 + s}
  protocol: TCP`);
    }
  }
  for (let i = 0; i < 1000; i++) {
    const id = String(i).padStart(4, '0');
    docs.push(`apiVersion: gateway.networking.k8s.io/v1
kind: HTTPRoute
metadata:
  name: route-${id}
  namespace: ns-${i % 10}
spec:
  parentRefs:
  - name: big
    namespace: default
  hostnames:
  - r${id}.example.com
  rules:
  - matches:
    - path:
        type: PathPrefix
        value: /r${id}
    backendRefs:
    - name: ${i % 100 === 0 ? 'missing' : `svc-${i % 2}`}
      port: 80`);
  }
  fs.writeFileSync(path.join(dir, 'large.yaml'), docs.join('\n---\n') + '\n');
  return dir;
}
