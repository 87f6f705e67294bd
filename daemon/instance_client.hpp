// The client verbs of gadget instances, as upstream's gadgetctl has them: `ig run --detach`,
// `ig list`, `ig attach`, `ig delete`, against one daemon.
#pragma once

#include <string>
#include <vector>

#include "daemon/gadget_service.pb.h"
#include "daemon/remote_run.hpp"

namespace ig::daemon {

// Creates an instance of the run `options` describes, named `name`; returns it (with its id).
api::GadgetInstance create_instance(const runner::RunOptions& options, const RemoteOptions& remote,
                                    const std::string& name, const std::vector<std::string>& tags);
std::vector<api::GadgetInstance> list_instances(const RemoteOptions& remote);
void remove_instance(const RemoteOptions& remote, const std::string& id);
// Prints the instance's kept and new events with the output options of `options` until
// SIGINT/SIGTERM (the instance goes on) or the instance ends.
int attach_instance(const runner::RunOptions& options, const RemoteOptions& remote, const std::string& id);

// `ig list` as columns (ID NAME TAGS GADGET STATUS) or one JSON array.
std::string format_instances(const std::vector<api::GadgetInstance>& instances, bool json);

}  // namespace ig::daemon
