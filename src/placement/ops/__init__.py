"""Operations beside placement, each over the same inventory: scale-in and daemons."""
