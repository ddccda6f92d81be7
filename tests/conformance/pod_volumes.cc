#include "conformance/pod_volumes.h"

#include <openssl/evp.h>

#include <filesystem>
#include <fstream>

#include "conformance/json_fields.h"

namespace portico::conformance {
namespace {

using nlohmann::json;

const json* findObject(const std::vector<json>& docs, const std::string& kind, const std::string& ns,
                       const std::string& name) {
  for (const auto& d : docs) {
    const json& m = field(d, "metadata");
    if (str(d, "kind") == kind && str(m, "name") == name &&
        (str(m, "namespace").empty() ? "default" : str(m, "namespace")) == ns)
      return &d;
  }
  return nullptr;
}

// key -> file content of the object a volume refers to.
bool volumeData(const json& volume, const std::vector<json>& docs, const std::string& ns,
                std::map<std::string, std::string>& out, std::string& error) {
  const bool isSecret = has(volume, "secret");
  const json& src = isSecret ? volume["secret"] : field(volume, "configMap");
  const std::string name = isSecret ? str(src, "secretName") : str(src, "name");
  const json* obj = findObject(docs, isSecret ? "Secret" : "ConfigMap", ns, name);
  if (!obj) {
    error = (isSecret ? "Secret " : "ConfigMap ") + ns + "/" + name + " is not in the manifests";
    return false;
  }
  const json& data = field(*obj, "data");
  if (!data.is_object()) return true;
  for (auto it = data.begin(); it != data.end(); ++it) {
    if (!it->is_string()) continue;
    out[it.key()] = isSecret ? decodeBase64(it->get<std::string>()) : it->get<std::string>();
  }
  return true;
}

}  // namespace

std::string decodeBase64(const std::string& in) {
  std::string out(in.size(), '\0');
  const int n =
      EVP_DecodeBlock(reinterpret_cast<unsigned char*>(out.data()),
                      reinterpret_cast<const unsigned char*>(in.data()), static_cast<int>(in.size()));
  if (n < 0) return {};
  size_t len = static_cast<size_t>(n);
  // EVP_DecodeBlock counts the padding as zero bytes.
  if (in.ends_with("=="))
    len -= 2;
  else if (in.ends_with("="))
    len -= 1;
  out.resize(len);
  return out;
}

bool PodVolumes::mount(const std::string& ns, const json& podSpec, const json& container,
                       const std::vector<json>& docs, const std::string& root, std::string& error) {
  for (const auto& vm : field(container, "volumeMounts")) {
    const std::string name = str(vm, "name"), mountPath = str(vm, "mountPath");
    const json* volume = nullptr;
    for (const auto& v : field(podSpec, "volumes")) {
      if (str(v, "name") == name) volume = &v;
    }
    // Only Secret and ConfigMap volumes carry what echo pods read.
    if (!volume || (!has(*volume, "secret") && !has(*volume, "configMap"))) continue;
    std::map<std::string, std::string> data;
    if (!volumeData(*volume, docs, ns, data, error)) return false;
    const std::string dir = root + mountPath;
    std::filesystem::create_directories(dir);
    const json& items = field(has(*volume, "secret") ? (*volume)["secret"] : (*volume)["configMap"], "items");
    std::map<std::string, std::string> files;  // relative path -> content
    if (items.is_array() && !items.empty()) {
      for (const auto& item : items) {
        auto it = data.find(str(item, "key"));
        if (it == data.end()) {
          error = "volume " + name + " has no key " + str(item, "key");
          return false;
        }
        files[str(item, "path")] = it->second;
      }
    } else {
      files = data;
    }
    for (const auto& [path, content] : files) std::ofstream(dir + "/" + path, std::ios::binary) << content;
    mounts_[mountPath] = dir;
  }
  return true;
}

std::string PodVolumes::localPath(const std::string& containerPath) const {
  for (const auto& [mountPath, dir] : mounts_) {
    if (containerPath.starts_with(mountPath + "/")) return dir + containerPath.substr(mountPath.size());
  }
  return {};
}

}  // namespace portico::conformance
