#include "runner/network/netns.hpp"

#include <sched.h>

#include <cerrno>
#include <cstring>
#include <exception>
#include <string>
#include <thread>

#include "util/error.hpp"

namespace ig::runner::network {

void run_in_netns(int netns_fd, const std::function<void()>& work) {
  std::exception_ptr failure;
  std::thread worker([&] {
    try {
      if (setns(netns_fd, CLONE_NEWNET) != 0) {
        throw Error(ErrorCode::Kernel,
                    std::string("entering a network namespace: ") + std::strerror(errno));
      }
      work();
    } catch (...) {
      failure = std::current_exception();
    }
  });
  worker.join();
  if (failure) std::rethrow_exception(failure);
}

}  // namespace ig::runner::network
