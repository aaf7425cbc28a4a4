"""Operations over an inventory beside placing.

Scale-in, daemons, what-if questions (headroom, instances needed), deployments and sweeps.
"""
