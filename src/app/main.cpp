#include "app/cli.h"

int main(int argc, char** argv) { return pampax::run_cli(argc, argv); }
