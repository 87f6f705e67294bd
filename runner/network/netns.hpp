// Work inside another network namespace: a socket belongs to the namespace of the thread that
// creates it, so a thread of our own enters it and runs the work there.
#pragma once

#include <functional>

namespace ig::runner::network {

// Runs `work` on a thread that entered the network namespace `netns_fd` refers to; rethrows
// what it throws. Throws Error when the namespace cannot be entered.
void run_in_netns(int netns_fd, const std::function<void()>& work);

}  // namespace ig::runner::network
