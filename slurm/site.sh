#!/usr/bin/env bash
# Site settings for slurm/*.sbatch: the one file to edit for a cluster. Each knob is an
# environment variable; a value already in the environment wins over the default here.
# The defaults run on a plain single-node SLURM (the one tests/support/local_slurm.sh starts).
#
# Read at two moments:
#  - in the job: every sbatch script sources this file (modules, MPI plugin, threads, binaries);
#  - at submission, when you prefix sbatch with it:  slurm/site.sh sbatch slurm/train.sbatch ...
#    Executed that way it exports the SBATCH_* variables below and runs the command; sbatch
#    takes partition, account, signal lead and requeue from them (they override the scripts'
#    #SBATCH lines; options on the sbatch command line override both). #SBATCH lines cannot
#    read files, so a plain `sbatch slurm/...` submits with the scripts' own #SBATCH lines.

# --- submission (sbatch) ---------------------------------------------------------------------
# Partition and account; empty: the cluster's default partition and your default account.
MOE_PARTITION=${MOE_PARTITION:-}
MOE_ACCOUNT=${MOE_ACCOUNT:-}
# Seconds before the time limit at which SLURM sends USR1 to the batch script, which asks the
# trainer to finish its step and write a checkpoint. Allow for a step, a checkpoint write and
# 60 s of slack (slurmctld checks time limits about every 30 s).
MOE_SIGNAL_LEAD=${MOE_SIGNAL_LEAD:-180}  # train.sbatch's own #SBATCH --signal line says 180 too
# 1: a training job stopped by that signal (or by a preemption) requeues itself and resumes
# from its checkpoint; 0: it ends with status 75 and you submit the same command again.
MOE_REQUEUE=${MOE_REQUEUE:-1}

# --- inside the job -------------------------------------------------------------------------
# Environment modules loaded at the start of every job, space-separated
# (e.g. "openmpi/4.1.4 cuda/12.2 hdf5/1.10"); empty: none.
MOE_MODULES=${MOE_MODULES:-}
# srun's MPI plugin (`srun --mpi=list` shows a cluster's). pmix: OpenMPI 4/5 as Debian builds
# it (PMIx only). pmi2: the fallback for MPI builds with PMI-2 (MPICH, Intel MPI, OpenMPI
# configured --with-pmi). A wrong choice fails at start-up: OpenMPI says it "was not built
# with SLURM's PMI support", or every rank sees a world of 1 and moe_train stops naming a
# "PMI mismatch".
MOE_SRUN_MPI=${MOE_SRUN_MPI:-pmix}
# CPU threads per task (OMP_NUM_THREADS and runtime.threads_per_rank); empty: the job's
# --cpus-per-task, and without that moe_train's own split of the node's cores.
MOE_THREADS_PER_TASK=${MOE_THREADS_PER_TASK:-}
# Folder holding moe_prep, moe_train and moe_eval; empty: build/bin in the repository.
MOE_BIN=${MOE_BIN:-}

# --- the SBATCH_* variables sbatch reads, when this file is executed -------------------------
if [[ ${BASH_SOURCE[0]} == "$0" ]]; then
  set -euo pipefail
  if [[ $# -eq 0 ]]; then
    echo "usage: slurm/site.sh sbatch [SBATCH OPTIONS] slurm/SCRIPT.sbatch [ARGS...]" >&2
    exit 2
  fi
  if [[ -n $MOE_PARTITION ]]; then export SBATCH_PARTITION=$MOE_PARTITION; fi
  if [[ -n $MOE_ACCOUNT ]]; then export SBATCH_ACCOUNT=$MOE_ACCOUNT; fi
  export SBATCH_SIGNAL=B:USR1@$MOE_SIGNAL_LEAD
  if [[ $MOE_REQUEUE == 1 ]]; then export SBATCH_REQUEUE=1; else export SBATCH_NO_REQUEUE=1; fi
  exec "$@"
fi
