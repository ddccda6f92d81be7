// "Bad input never costs traffic": an object that is invalid in the new
// files but was valid before keeps its last good version, as when the API
// server refuses an update and the old object stays.
#pragma once

#include "api/diagnostic.h"
#include "store/snapshot.h"

namespace portico::run {

// For every error in `diagnostics`: the object it names (or, for a file
// that could not be read or parsed, every object that came from that file
// and document) is copied from `previous` into `next` when `next` lacks
// it. Returns how many objects were carried forward.
size_t carryForward(store::Snapshot& next, const store::Snapshot& previous,
                    const api::Diagnostics& diagnostics);

}  // namespace portico::run
