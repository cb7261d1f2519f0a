# Sourced by the GPU scripts: sets GOMLX_BACKEND to the PJRT CUDA plugin of the Python package
# jax-cuda13-pjrt (xla_cuda_plugin.so; the CUDA libraries come from the nvidia-* packages beside
# it, found through its RPATH) unless GOMLX_BACKEND is already set.
if [ -z "${GOMLX_BACKEND:-}" ]; then
  loc=$(python3 -m pip show -f jax-cuda13-pjrt 2>/dev/null | awk '/^Location:/{print $2}')
  rel=$(python3 -m pip show -f jax-cuda13-pjrt 2>/dev/null | awk '/xla_cuda_plugin\.so$/{print $1}')
  if [ -z "$loc" ] || [ -z "$rel" ]; then
    echo "jax-cuda13-pjrt not found (python3 -m pip show -f jax-cuda13-pjrt); set GOMLX_BACKEND=xla:/path/to/xla_cuda_plugin.so (or go for the CPU)" >&2
    exit 1
  fi
  export GOMLX_BACKEND="xla:$loc/$rel"
fi
