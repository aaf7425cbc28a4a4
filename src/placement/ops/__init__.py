"""Operations over an inventory beside placing: what-if questions, deployments, sweeps."""
