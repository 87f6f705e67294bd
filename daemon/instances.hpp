// Gadget instances the daemon hosts without a client (upstream's GadgetInstanceManager). Each
// runs on a thread of its own, keeps its last events for clients that attach later, and is
// stored in a directory so that the daemon re-creates it when it starts again.
#pragma once

#include <cstdint>
#include <functional>
#include <map>
#include <memory>
#include <mutex>
#include <string>
#include <vector>

#include "daemon/gadget_service.pb.h"
#include "daemon/service.hpp"
#include "oci/layout_store.hpp"

namespace ig::daemon {

class InstanceManager {
 public:
  // A client attached to an instance: each event, and the end of the instance.
  struct Subscriber {
    std::function<void(const api::GadgetEvent&)> send;
    std::function<void(const std::string& error)> ended;  // "" when it was removed or stopped
  };

  // Instances are stored in `directory` (created if missing).
  InstanceManager(const DaemonOptions& options, oci::LayoutStore& store, std::string directory);
  ~InstanceManager();  // stops every instance; the stored ones come back with resume()

  // Re-creates the stored instances; one that fails is listed with its error.
  void resume();
  // Starts an instance and stores it. Throws Error, storing nothing, when its gadget cannot be
  // instantiated (image, params).
  api::GadgetInstance create(const api::CreateGadgetInstanceRequest& request);
  std::vector<api::GadgetInstance> list() const;
  api::GadgetInstance get(const std::string& id) const;  // throws Error(NotFound)
  void remove(const std::string& id);                    // throws Error(NotFound)
  // Sends the instance's GadgetInfo and its kept events, then every new one until
  // unsubscribe() or its end. Returns a token for unsubscribe(); throws Error(NotFound).
  uint64_t subscribe(const std::string& id, Subscriber subscriber);
  // No callback of the subscriber runs once this returns; unknown tokens are ignored.
  void unsubscribe(const std::string& id, uint64_t token);

 private:
  struct Hosted;
  std::shared_ptr<Hosted> find(const std::string& id) const;
  std::shared_ptr<Hosted> start(const api::CreateGadgetInstanceRequest& request);
  void store(const api::CreateGadgetInstanceRequest& request) const;

  const DaemonOptions& options_;
  oci::LayoutStore& store_;
  const std::string directory_;
  mutable std::mutex mutex_;  // guards instances_
  std::map<std::string, std::shared_ptr<Hosted>> instances_;
};

}  // namespace ig::daemon
