// HTTPRouteFilter / GRPCRouteFilter decoding with the CRD defaults
// (redirect statusCode 302, fraction denominator 100, CORS maxAge 5).
#include "source/decode/refs.h"

namespace portico::source::decode {
namespace {

void headerFilter(Ctx& c, const Node& n, const FieldPath& p, api::HTTPHeaderFilter& out) {
  auto headers = [&](const Node& v, const FieldPath& fp, std::vector<api::HTTPHeader>& dst) {
    list(c, v, fp, dst, [&](const Node& h, const FieldPath& hp, api::HTTPHeader& hdr) {
      fields(c, h, hp, {"name", "value"}, [&](std::string_view k, const Node& hv, const FieldPath& kp) {
        if (k == "name") return c.str(hv, kp, hdr.name), true;
        if (k == "value") return c.str(hv, kp, hdr.value), true;
        return false;
      });
    });
  };
  fields(c, n, p, {}, [&](std::string_view k, const Node& v, const FieldPath& fp) {
    if (k == "set") return headers(v, fp, out.set), true;
    if (k == "add") return headers(v, fp, out.add), true;
    if (k == "remove") return c.strList(v, fp, out.remove), true;
    return false;
  });
}

void pathModifier(Ctx& c, const Node& n, const FieldPath& p, api::HTTPPathModifier& out) {
  fields(c, n, p, {"type"}, [&](std::string_view k, const Node& v, const FieldPath& fp) {
    if (k == "type") return c.str(v, fp, out.type), true;
    if (k == "replaceFullPath") return c.str(v, fp, out.replaceFullPath), true;
    if (k == "replacePrefixMatch") return c.str(v, fp, out.replacePrefixMatch), true;
    return false;
  });
}

void mirror(Ctx& c, const Node& n, const FieldPath& p, api::HTTPRequestMirrorFilter& out) {
  fields(c, n, p, {"backendRef"}, [&](std::string_view k, const Node& v, const FieldPath& fp) {
    if (k == "backendRef") return decodeBackendObjectRef(c, v, fp, out.backendRef), true;
    if (k == "percent") return c.i32(v, fp, out.percent), true;
    if (k == "fraction") {
      auto& f = out.fraction.emplace();
      fields(c, v, fp, {"numerator"}, [&](std::string_view fk, const Node& fv, const FieldPath& ffp) {
        if (fk == "numerator") return c.i32(fv, ffp, f.numerator), true;
        if (fk == "denominator") return c.i32(fv, ffp, f.denominator), true;
        return false;
      });
      return true;
    }
    return false;
  });
}

void redirect(Ctx& c, const Node& n, const FieldPath& p, api::HTTPRequestRedirectFilter& out) {
  fields(c, n, p, {}, [&](std::string_view k, const Node& v, const FieldPath& fp) {
    if (k == "scheme") return c.str(v, fp, out.scheme), true;
    if (k == "hostname") return c.str(v, fp, out.hostname), true;
    if (k == "path") return pathModifier(c, v, fp, out.path.emplace()), true;
    if (k == "port") return c.i32(v, fp, out.port), true;
    if (k == "statusCode") return c.i32(v, fp, out.statusCode), true;
    return false;
  });
}

void rewrite(Ctx& c, const Node& n, const FieldPath& p, api::HTTPURLRewriteFilter& out) {
  fields(c, n, p, {}, [&](std::string_view k, const Node& v, const FieldPath& fp) {
    if (k == "hostname") return c.str(v, fp, out.hostname), true;
    if (k == "path") return pathModifier(c, v, fp, out.path.emplace()), true;
    return false;
  });
}

void cors(Ctx& c, const Node& n, const FieldPath& p, api::HTTPCORSFilter& out) {
  fields(c, n, p, {}, [&](std::string_view k, const Node& v, const FieldPath& fp) {
    if (k == "allowOrigins") return c.strList(v, fp, out.allowOrigins), true;
    if (k == "allowCredentials") return c.boolean(v, fp, out.allowCredentials), true;
    if (k == "allowMethods") return c.strList(v, fp, out.allowMethods), true;
    if (k == "allowHeaders") return c.strList(v, fp, out.allowHeaders), true;
    if (k == "exposeHeaders") return c.strList(v, fp, out.exposeHeaders), true;
    if (k == "maxAge") return c.i32(v, fp, out.maxAge), true;
    return false;
  });
}

void externalAuth(Ctx& c, const Node& n, const FieldPath& p, api::HTTPExternalAuthFilter& out) {
  fields(c, n, p, {"protocol", "backendRef"}, [&](std::string_view k, const Node& v, const FieldPath& fp) {
    if (k == "protocol") return c.str(v, fp, out.protocol), true;
    if (k == "backendRef") return decodeBackendObjectRef(c, v, fp, out.backendRef), true;
    if (k == "grpc") {
      out.grpcSet = true;
      fields(c, v, fp, {}, [&](std::string_view gk, const Node& gv, const FieldPath& gfp) {
        if (gk == "allowedHeaders") return c.strList(gv, gfp, out.grpcAllowedHeaders), true;
        return false;
      });
      return true;
    }
    if (k == "http") {
      out.httpSet = true;
      fields(c, v, fp, {}, [&](std::string_view hk, const Node& hv, const FieldPath& hfp) {
        if (hk == "path") return c.str(hv, hfp, out.httpPath), true;
        if (hk == "allowedHeaders") return c.strList(hv, hfp, out.httpAllowedHeaders), true;
        if (hk == "allowedResponseHeaders") return c.strList(hv, hfp, out.httpAllowedResponseHeaders), true;
        return false;
      });
      return true;
    }
    if (k == "forwardBody") {
      auto& fb = out.forwardBody.emplace();
      fields(c, v, fp, {}, [&](std::string_view bk, const Node& bv, const FieldPath& bfp) {
        if (bk == "maxSize") return c.i32(bv, bfp, fb.maxSize), true;
        return false;
      });
      return true;
    }
    return false;
  });
}

}  // namespace

void decodeFilter(Ctx& c, const Node& n, const FieldPath& p, api::HTTPRouteFilter& out, bool grpc) {
  fields(c, n, p, {"type"}, [&](std::string_view k, const Node& v, const FieldPath& fp) {
    if (k == "type") return c.str(v, fp, out.type), true;
    if (k == "requestHeaderModifier") return headerFilter(c, v, fp, out.requestHeaderModifier.emplace()), true;
    if (k == "responseHeaderModifier") return headerFilter(c, v, fp, out.responseHeaderModifier.emplace()), true;
    if (k == "requestMirror") return mirror(c, v, fp, out.requestMirror.emplace()), true;
    if (k == "extensionRef") return decodeLocalRef(c, v, fp, out.extensionRef.emplace()), true;
    if (grpc) return false;  // GRPCRouteFilter has only the members above
    if (k == "requestRedirect") return redirect(c, v, fp, out.requestRedirect.emplace()), true;
    if (k == "urlRewrite") return rewrite(c, v, fp, out.urlRewrite.emplace()), true;
    if (k == "cors") return cors(c, v, fp, out.cors.emplace()), true;
    if (k == "externalAuth") return externalAuth(c, v, fp, out.externalAuth.emplace()), true;
    return false;
  });
}

}  // namespace portico::source::decode
