// SPDX-License-Identifier: MIT
pragma solidity ^0.8.24;

import {IERC20} from "@openzeppelin/contracts/token/ERC20/IERC20.sol";
import {SafeERC20} from "@openzeppelin/contracts/token/ERC20/utils/SafeERC20.sol";
import {MerkleProof} from "@openzeppelin/contracts/utils/cryptography/MerkleProof.sol";
import {Ownable} from "@openzeppelin/contracts/access/Ownable.sol";

/// @title RewardDistributor
/// @notice Pays each epoch's settlement by Merkle proof. Leaves follow OpenZeppelin's
///         StandardMerkleTree encoding of (uint256 epoch, uint256 index, address account, uint256 amount),
///         so proofs made by the OpenZeppelin merkle-tree library verify here unchanged.
contract RewardDistributor is Ownable {
    using SafeERC20 for IERC20;

    IERC20 public immutable token;

    mapping(address => bool) public isRootSetter;
    mapping(uint256 epoch => bytes32) public epochRoot;
    mapping(uint256 epoch => uint256) public epochTotal;
    // One bit per (epoch, index): a claim costs one warm-or-cold word write instead of a fresh slot.
    mapping(uint256 epoch => mapping(uint256 word => uint256)) private _claimedBitMap;

    event RootSetterSet(address indexed account, bool allowed);
    event EpochFunded(uint256 indexed epoch, bytes32 root, uint256 total, address indexed funder);
    event Claimed(uint256 indexed epoch, uint256 index, address indexed account, uint256 amount);

    error NotRootSetter(address caller);
    error EpochRootAlreadySet(uint256 epoch);
    error EmptyRoot();
    error EpochNotFunded(uint256 epoch);
    error AlreadyClaimed(uint256 epoch, uint256 index);
    error InvalidProof();

    constructor(IERC20 token_, address owner_) Ownable(owner_) {
        token = token_;
    }

    function setRootSetter(address account, bool allowed) external onlyOwner {
        isRootSetter[account] = allowed;
        emit RootSetterSet(account, allowed);
    }

    /// @notice Sets the epoch's root and pulls `total` tokens from the caller in the same transaction,
    ///         so a root is never live without the funds to pay it.
    function fundEpoch(uint256 epoch, bytes32 root, uint256 total) external {
        if (msg.sender != owner() && !isRootSetter[msg.sender]) revert NotRootSetter(msg.sender);
        if (root == bytes32(0)) revert EmptyRoot();
        if (epochRoot[epoch] != bytes32(0)) revert EpochRootAlreadySet(epoch);
        epochRoot[epoch] = root;
        epochTotal[epoch] = total;
        token.safeTransferFrom(msg.sender, address(this), total);
        emit EpochFunded(epoch, root, total, msg.sender);
    }

    function isClaimed(uint256 epoch, uint256 index) public view returns (bool) {
        uint256 word = _claimedBitMap[epoch][index >> 8];
        uint256 mask = 1 << (index & 0xff);
        return word & mask == mask;
    }

    /// @notice Anyone may submit a claim; the tokens always go to `account`.
    function claim(uint256 epoch, uint256 index, address account, uint256 amount, bytes32[] calldata proof)
        external
    {
        bytes32 root = epochRoot[epoch];
        if (root == bytes32(0)) revert EpochNotFunded(epoch);
        uint256 wordIndex = index >> 8;
        uint256 mask = 1 << (index & 0xff);
        uint256 word = _claimedBitMap[epoch][wordIndex];
        if (word & mask != 0) revert AlreadyClaimed(epoch, index);
        bytes32 leaf = keccak256(bytes.concat(keccak256(abi.encode(epoch, index, account, amount))));
        if (!MerkleProof.verifyCalldata(proof, root, leaf)) revert InvalidProof();
        _claimedBitMap[epoch][wordIndex] = word | mask;
        token.safeTransfer(account, amount);
        emit Claimed(epoch, index, account, amount);
    }
}
