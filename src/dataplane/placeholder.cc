// Placeholder until the layer lands; keeps the library non-empty.
namespace portico::dataplane {}
