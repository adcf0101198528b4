// Transitional: variant naming lives in the contract (@flowsmith/contract). Importers move there.
export { formatParamValue, parseVariantAddress, selectVariants, variantLabel, variantNames } from "@flowsmith/contract";
