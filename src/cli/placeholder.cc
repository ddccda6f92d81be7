// Placeholder so the layer library is never empty.
namespace portico::cli {}
