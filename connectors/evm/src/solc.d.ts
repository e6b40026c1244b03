// solc-js ships no type declarations; compile-contracts.ts types the two calls it makes.
declare module 'solc';
