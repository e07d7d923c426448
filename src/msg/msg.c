/* placeholder until this layer lands */
typedef int ocf_placeholder_unused;
