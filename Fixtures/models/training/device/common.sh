# Sourced by run-1.sh ... run-6.sh, from the repository root on the GPU machine:
#   install_wheel     installs the carried diffusers wheel (.gpu/whl) into /tmp/site;
#   unpack_work NAME  unpacks .gpu/NAME.tgz (the folder NAME, tarred to fit the carry limit) as /tmp/work;
#   start_run NAME    all of the above for a run from a carried work folder: installs the wheel, names the GPU,
#                     starts the clock T0, unpacks NAME and enters the training folder;
#   quiet             filters train.py's output down to its own log lines.
# It also sets the Python environment every run uses.
set -u
ROOT=$(pwd)
export PYTHONPATH=/tmp/site PYTHONUNBUFFERED=1 PYTHONWARNINGS=ignore TRANSFORMERS_VERBOSITY=error DIFFUSERS_VERBOSITY=error
install_wheel() {
  python3 -m pip install -q --no-index --no-deps --no-compile --no-cache-dir --upgrade --target /tmp/site .gpu/whl/*.whl || exit 2
}
unpack_work() { tar xzf "$ROOT/.gpu/$1.tgz" -C /tmp && mv "/tmp/$1" /tmp/work; }
start_run() {
  install_wheel
  nvidia-smi -L
  T0=$(date +%s)
  unpack_work "$1"
  cd Fixtures/models/training
}
quiet() { grep --line-buffered -v "Loading weights\|Writing model\|accelerate\|^\`\`\`\|^\.$"; }
