// Histograms of metrics.print data sources, in upstream's text (bcc's print_log2_hist).
#include <gtest/gtest.h>

#include "runner/output/histogram.hpp"

namespace ig::runner::output {
namespace {

TEST(Log2Histogram, MatchesUpstreamsText) {
  EXPECT_EQ(render_log2_histogram("µs", {0, 4, 2, 1}),
            "        µs               : count    distribution\n"
            "         0 -> 1          : 0        |                                        |\n"
            "         1 -> 2          : 4        |****************************************|\n"
            "         2 -> 4          : 2        |********************                    |\n"
            "         4 -> 8          : 1        |**********                              |\n");
}

TEST(Log2Histogram, AllZeroHasNoStars) {
  EXPECT_EQ(render_log2_histogram("", {0}),
            "                         : count    distribution\n"
            "         0 -> 1          : 0        |                                        |\n");
}

}  // namespace
}  // namespace ig::runner::output
