#include "app/cli.h"
#include "util/trace.h"

int main(int argc, char** argv) {
  pampax::trace_point("main");
  int rc = pampax::run_cli(argc, argv);
  pampax::trace_point("exit");
  return rc;
}
